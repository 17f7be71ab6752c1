using Noether.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Alignment.Similarity;

/// <summary>
/// Streaming first and second moments of two feature matrices X [n, a] and Y [n, b]: sums, XᵀY, and XᵀX and YᵀY (in full
/// or only their diagonals). Rows are shifted by the first batch's column means before they are summed, which keeps the
/// one-pass centring accurate; <see cref="Centred"/> undoes nothing it does not need to — centred moments do not
/// depend on the shift.
/// </summary>
internal sealed class CrossMoments
{
    private readonly int _a, _b;
    private readonly bool _fullSelf;
    private readonly double[] _shiftA, _shiftB, _sumA, _sumB, _xx, _yy, _xy;

    public CrossMoments(int a, int b, bool fullSelf)
    {
        _a = a; _b = b; _fullSelf = fullSelf;
        _shiftA = new double[a]; _shiftB = new double[b];
        _sumA = new double[a]; _sumB = new double[b];
        _xx = new double[fullSelf ? a * a : a];
        _yy = new double[fullSelf ? b * b : b];
        _xy = new double[a * b];
    }

    /// <summary>Column sums of the shifted rows of A.</summary>
    public ReadOnlySpan<double> SumA => _sumA;

    /// <summary>Column sums of the shifted rows of B.</summary>
    public ReadOnlySpan<double> SumB => _sumB;

    /// <summary>XᵀY of the shifted rows, row-major [a, b].</summary>
    public ReadOnlySpan<double> RawXy => _xy;

    /// <summary>XᵀX of the shifted rows ([a, a], or its diagonal).</summary>
    public ReadOnlySpan<double> RawXx => _xx;

    /// <summary>YᵀY of the shifted rows ([b, b], or its diagonal).</summary>
    public ReadOnlySpan<double> RawYy => _yy;

    /// <summary>Rows seen.</summary>
    public long Count { get; private set; }

    /// <summary>Adds rows of A and B; the arrays are shifted in place.</summary>
    public void Add(double[] x, double[] y, int rows)
    {
        if (Count == 0)
        {
            ColumnMeans(x, rows, _a, _shiftA);
            ColumnMeans(y, rows, _b, _shiftB);
        }
        Shift(x, rows, _a, _shiftA, _sumA);
        Shift(y, rows, _b, _shiftB, _sumB);
        var tx = Tensor<double>.FromArray(x, rows, _a).Transpose();
        var ty = Tensor<double>.FromArray(y, rows, _b);
        TP.Add(_xy, tx.MatMul(ty).Contiguous().Span, _xy);
        Self(x, rows, _a, _xx);
        Self(y, rows, _b, _yy);
        Count += rows;
    }

    /// <summary>Centred moments: XcᵀYc [a, b], and XcᵀXc, YcᵀYc (full [a, a], [b, b] or diagonals [a], [b]).</summary>
    public (double[] Sxy, double[] Sxx, double[] Syy) Centred()
    {
        double n = Math.Max(1, Count);
        var sxy = (double[])_xy.Clone();
        for (int i = 0; i < _a; i++)
            for (int j = 0; j < _b; j++) sxy[i * _b + j] -= _sumA[i] * _sumB[j] / n;
        return (sxy, CentredSelf(_xx, _sumA, _a, n), CentredSelf(_yy, _sumB, _b, n));
    }

    private double[] CentredSelf(double[] m, double[] sum, int c, double n)
    {
        var r = (double[])m.Clone();
        if (_fullSelf)
        {
            for (int i = 0; i < c; i++)
                for (int j = 0; j < c; j++) r[i * c + j] -= sum[i] * sum[j] / n;
        }
        else
            for (int i = 0; i < c; i++) r[i] = Math.Max(0, r[i] - sum[i] * sum[i] / n);
        return r;
    }

    private void Self(double[] x, int rows, int c, double[] target)
    {
        if (_fullSelf)
        {
            var t = Tensor<double>.FromArray(x, rows, c);
            TP.Add(target, t.Transpose().MatMul(t).Contiguous().Span, target);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * c, c);
            for (int j = 0; j < c; j++) target[j] += row[j] * row[j];
        }
    }

    internal static void ColumnMeans(double[] x, int rows, int c, double[] means)
    {
        Array.Clear(means);
        for (int r = 0; r < rows; r++) TP.Add(means, x.AsSpan(r * c, c), means);
        TP.Divide(means, rows, means);
    }

    private static void Shift(double[] x, int rows, int c, double[] shift, double[] sum)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * c, c);
            TP.Subtract(row, shift, row);
            TP.Add(sum, row, sum);
        }
    }
}
