using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>
/// Pearson correlation between the c units of two models, accumulated batch by batch (sums, sums of squares and the
/// cross-product matrix), so that the data set never has to be held in memory. Conv features fold positions into
/// samples. Sums are centred on the first batch's means, which keeps the one-pass formula accurate.
/// </summary>
internal sealed class CorrelationAccumulator
{
    private readonly int _c;
    private readonly double[] _sumA, _sumB, _sqA, _sqB, _cross, _shiftA, _shiftB;
    private long _count;

    public CorrelationAccumulator(int channels)
    {
        _c = channels;
        _sumA = new double[channels]; _sumB = new double[channels];
        _sqA = new double[channels]; _sqB = new double[channels];
        _shiftA = new double[channels]; _shiftB = new double[channels];
        _cross = new double[channels * channels];
    }

    /// <summary>Samples seen so far (positions included).</summary>
    public long Count => _count;

    /// <summary>Adds one batch: <paramref name="a"/> and <paramref name="b"/> are [c, m] (units × samples).</summary>
    public void Add(Tensor<double> a, Tensor<double> b)
    {
        int m = a.Dim(1);
        if (m == 0) return;
        var xa = a.Contiguous().ToArray();
        var xb = b.Contiguous().ToArray();
        if (_count == 0)
            for (int i = 0; i < _c; i++)
            {
                _shiftA[i] = TensorPrimitives.Sum<double>(xa.AsSpan(i * m, m)) / m;
                _shiftB[i] = TensorPrimitives.Sum<double>(xb.AsSpan(i * m, m)) / m;
            }
        for (int i = 0; i < _c; i++)
        {
            var ra = xa.AsSpan(i * m, m);
            var rb = xb.AsSpan(i * m, m);
            TensorPrimitives.Subtract(ra, _shiftA[i], ra);
            TensorPrimitives.Subtract(rb, _shiftB[i], rb);
            _sumA[i] += TensorPrimitives.Sum<double>(ra);
            _sumB[i] += TensorPrimitives.Sum<double>(rb);
            _sqA[i] += TensorPrimitives.SumOfSquares<double>(ra);
            _sqB[i] += TensorPrimitives.SumOfSquares<double>(rb);
        }
        var ta = Tensor<double>.FromArray(xa, _c, m);
        var tb = Tensor<double>.FromArray(xb, _c, m);
        var cross = ta.MatMul(tb.Transpose()).Contiguous().ToArray();
        TensorPrimitives.Add(_cross, cross, _cross);
        _count += m;
    }

    /// <summary>Row-major c×c correlation; a unit that never varies correlates 0 with everything.</summary>
    public double[] Correlation()
    {
        var r = new double[_c * _c];
        if (_count == 0) return r;
        double n = _count;
        var sdA = new double[_c];
        var sdB = new double[_c];
        for (int i = 0; i < _c; i++)
        {
            sdA[i] = Math.Sqrt(Math.Max(0, _sqA[i] - _sumA[i] * _sumA[i] / n));
            sdB[i] = Math.Sqrt(Math.Max(0, _sqB[i] - _sumB[i] * _sumB[i] / n));
        }
        for (int i = 0; i < _c; i++)
            for (int j = 0; j < _c; j++)
            {
                double d = sdA[i] * sdB[j];
                r[i * _c + j] = d > 0 ? (_cross[i * _c + j] - _sumA[i] * _sumB[j] / n) / d : 0;
            }
        return r;
    }
}
