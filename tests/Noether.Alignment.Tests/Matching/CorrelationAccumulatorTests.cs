using FsCheck;
using FsCheck.Fluent;
using Noether.Alignment.Matching;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Matching;

public class CorrelationAccumulatorTests
{
    /// <summary>Accumulated batch by batch, the correlation equals the two-pass reference on all data at once.</summary>
    [Fact]
    public void Streaming_equals_two_pass()
    {
        var cases = from s in Gen.Choose(0, 1_000_000) from c in Gen.Choose(1, 7) from nb in Gen.Choose(1, 5) select (s, c, nb);
        Prop.ForAll(cases.ToArbitrary(), t => Check(t.s, t.c, t.nb)).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    private static bool Check(int seed, int c, int nb)
    {
        var rng = new Rng((ulong)seed);
        var acc = new CorrelationAccumulator(c);
        var partsA = new List<Tensor<double>>();
        var partsB = new List<Tensor<double>>();
        for (int k = 0; k < nb; k++)
        {
            int m = 1 + (int)(rng.NextDouble() * 9);
            // Large offsets test the one-pass formula's accuracy.
            var a = Tensor<double>.RandomNormal(rng, [c, m]) + 1e4;
            var b = Tensor<double>.RandomNormal(rng, [c, m]) * 3 - 2e3;
            acc.Add(a, b);
            partsA.Add(a);
            partsB.Add(b);
        }
        var all = TwoPassCorrelation(Columns(partsA, c), Columns(partsB, c));
        var streamed = acc.Correlation();
        return all.Zip(streamed).All(p => Math.Abs(p.First - p.Second) < 1e-9);
    }

    private static Tensor<double> Columns(List<Tensor<double>> parts, int c)
    {
        int width = parts.Sum(p => p.Dim(1));
        var all = new double[c * width];
        int offset = 0;
        foreach (var p in parts)
        {
            var v = p.ToArray();
            int w = p.Dim(1);
            for (int i = 0; i < c; i++) v.AsSpan(i * w, w).CopyTo(all.AsSpan(i * width + offset, w));
            offset += w;
        }
        return Tensor<double>.FromArray(all, c, width);
    }

    [Fact]
    public void Constant_units_correlate_zero()
    {
        var acc = new CorrelationAccumulator(2);
        acc.Add(Tensor<double>.FromArray([1, 1, 1, 1, 2, 3], 2, 3), Tensor<double>.FromArray([5, 6, 7, 0, 0, 0], 2, 3));
        var r = acc.Correlation();
        Assert.Equal([0, 0, 1, 0], r.Select(v => Math.Round(v, 12)).ToArray());
    }

    /// <summary>The slow reference: Pearson correlation between every row of <paramref name="a"/> and every row of <paramref name="b"/> (row-major n×n).</summary>
    private static double[] TwoPassCorrelation(Tensor<double> a, Tensor<double> b)
    {
        Tensor<double> Standardise(Tensor<double> x)
        {
            var r = x.Clone();
            int w = r.Dim(1);
            var s = r.Span;
            for (int i = 0; i < r.Dim(0); i++)
            {
                var row = s.Slice(i * w, w);
                double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(row) / w;
                System.Numerics.Tensors.TensorPrimitives.Subtract(row, mean, row);
                double norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<double>(row));
                if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
            }
            return r;
        }
        return Standardise(a).MatMul(Standardise(b).Transpose()).Contiguous().ToArray();
    }
}
