using FsCheck;
using FsCheck.Fluent;
using Noether.Tensors.Kernels;

namespace Noether.Tensors.Tests;

/// <summary>The packed GEMM against a naive triple loop, over random sizes, layouts, thread counts and accumulation.</summary>
public class GemmTests
{
    private static bool Agrees(int m, int n, int k, bool transA, bool transB, int threads, bool accumulate, int seed)
    {
        var rng = new Rng((ulong)seed);
        var a = Tensor<double>.RandomNormal(rng, m, k).ToArray();
        var b = Tensor<double>.RandomNormal(rng, k, n).ToArray();
        var expected = Reference.MatMul(a, b, m, n, k);
        // Store A and B transposed when asked, and multiply them through strides.
        var aStore = transA ? Transposed(a, m, k) : a;
        var bStore = transB ? Transposed(b, k, n) : b;
        var c = Enumerable.Repeat(accumulate ? 1.0 : double.NaN, m * n).ToArray();
        Gemm.Multiply<double>(m, n, k, aStore, transA ? 1 : k, transA ? m : 1, bStore, transB ? 1 : n, transB ? k : 1, c, n, accumulate, threads);
        for (int i = 0; i < c.Length; i++)
            if (Math.Abs(c[i] - (expected[i] + (accumulate ? 1 : 0))) > 1e-10 * Math.Max(1, k)) return false;
        return true;
    }

    private static double[] Transposed(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }

    [Fact]
    public void RandomShapesAndLayoutsMatchNaive()
    {
        var gen = from m in Gen.Choose(1, 80)
                  from n in Gen.Choose(1, 80)
                  from k in Gen.Choose(1, 80)
                  from ta in Gen.Elements(false, true)
                  from tb in Gen.Elements(false, true)
                  from th in Gen.Elements(1, 2)
                  from acc in Gen.Elements(false, true)
                  from seed in Gen.Choose(0, 1000)
                  select (m, n, k, ta, tb, th, acc, seed);
        Prop.ForAll(gen.ToArbitrary(), t => Agrees(t.m, t.n, t.k, t.ta, t.tb, t.th, t.acc, t.seed))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Theory]
    [InlineData(200, 70, 300, 1)]   // crosses the KC=256 and MC=192 block edges
    [InlineData(13, 3100, 9, 2)]    // crosses the NC=3072 edge
    [InlineData(129, 257, 65, 2)]   // parallel split with ragged micro-tiles
    public void BlockEdges(int m, int n, int k, int threads)
    {
        Assert.True(Agrees(m, n, k, false, false, threads, false, 3));
        Assert.True(Agrees(m, n, k, true, true, threads, true, 4));
    }

    [Fact]
    public void FloatAgreesWithDoubleReference()
    {
        var rng = new Rng(5);
        int m = 67, n = 45, k = 300;
        var a = Tensor<float>.RandomNormal(rng, m, k); var b = Tensor<float>.RandomNormal(rng, k, n);
        var c = a.MatMul(b).ToArray();
        var e = Reference.MatMul(a.Cast<double>().ToArray(), b.Cast<double>().ToArray(), m, n, k);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - e[i]) < 1e-3, $"{c[i]} vs {e[i]}");
    }

    [Fact]
    public void NonContiguousTensorViewsMultiplyCorrectly()
    {
        var rng = new Rng(6);
        var big = Tensor<double>.RandomNormal(rng, 10, 12);
        var a = big.Slice(0, 1, 9, 2).Slice(1, 0, 12, 3);        // [4, 4] with strides (24, 3)
        var b = Tensor<double>.RandomNormal(rng, 6, 4).Transpose(); // [4, 6] with strides (1, 4)
        var expected = Reference.MatMul(a.ToArray(), b.ToArray(), 4, 6, 4);
        var got = a.MatMul(b).ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 12);
    }

    [Fact]
    public void BatchedMatMulBroadcastsBatchAxes()
    {
        var rng = new Rng(8);
        var a = Tensor<double>.RandomNormal(rng, 3, 1, 5, 4); var b = Tensor<double>.RandomNormal(rng, 2, 4, 6);
        var c = a.MatMul(b);
        Assert.Equal(new[] { 3, 2, 5, 6 }, c.ShapeArray());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++)
        {
            var e = Reference.MatMul(a.Select(0, i).Select(0, 0).ToArray(), b.Select(0, j).ToArray(), 5, 6, 4);
            var g = c.Select(0, i).Select(0, j).ToArray();
            for (int q = 0; q < e.Length; q++) Assert.Equal(e[q], g[q], 12);
        }
    }

    [Fact]
    public void MismatchedInnerDimensionsNameBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor<double>.Zeros(2, 3).MatMul(Tensor<double>.Zeros(4, 5)));
        Assert.Contains("[2, 3]", e.Message); Assert.Contains("[4, 5]", e.Message);
    }

    [Fact]
    public void OperandTooShortForItsStridesIsRejected()
        => Assert.Throws<ShapeMismatchException>(() => Gemm.Multiply<double>(3, 3, 3, new double[8], 3, 1, new double[9], 3, 1, new double[9], 3));
}
