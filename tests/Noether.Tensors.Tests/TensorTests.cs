namespace Noether.Tensors.Tests;

public class TensorTests
{
    [Fact]
    public void ViewsShareStorageAndIndexCorrectly()
    {
        var t = Tensor<double>.Arange(24).Reshape(2, 3, 4);
        Assert.Equal(23, t[1, 2, 3]);
        var p = t.Permute(2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, p.ShapeArray());
        Assert.Equal(t[1, 2, 3], p[3, 1, 2]);
        Assert.False(p.IsContiguous);
        var s = t.Slice(2, 1, 4, 2);
        Assert.Equal(new double[] { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 }, s.ToArray());
        s[0, 0, 0] = 100;
        Assert.Equal(100, t[0, 0, 1]);
        Assert.Equal(new double[] { 8, 9, 10, 11, 20, 21, 22, 23 }, t.Select(1, 2).ToArray());
        Assert.Equal(new[] { 2, 1, 3, 4 }, t.Unsqueeze(1).ShapeArray());
        Assert.Equal(new[] { 2, 12 }, t.Reshape(2, -1).ShapeArray());
    }

    [Fact]
    public void BroadcastingArithmetic()
    {
        var a = Tensor<double>.Arange(6).Reshape(2, 3);
        var b = Tensor<double>.FromArray([10.0, 20.0, 30.0]);
        Assert.Equal(new double[] { 10, 21, 32, 13, 24, 35 }, (a + b).ToArray());
        var col = Tensor<double>.FromArray([1.0, 2.0], 2, 1);
        Assert.Equal(new double[] { 0, 1, 2, 6, 8, 10 }, (a * col).ToArray());
        Assert.Equal(new double[] { 0, 3, 1, 4, 2, 5 }, (a.Transpose() + 0.0).ToArray());
    }

    [Fact]
    public void ReductionsAlongAxes()
    {
        var a = Tensor<double>.Arange(24).Reshape(2, 3, 4);
        Assert.Equal(new double[] { 12, 15, 18, 21, 48, 51, 54, 57 }, a.Sum(1).ToArray());
        Assert.Equal(new[] { 2, 1, 4 }, a.Sum(1, keepDims: true).ShapeArray());
        Assert.Equal(new double[] { 3, 7, 11, 15, 19, 23 }, a.Max(2).ToArray());
        Assert.Equal(new[] { 3, 3, 3, 3, 3, 3 }, a.ArgMax(2));
        var lse = a.LogSumExp(2).ToArray();
        Assert.Equal(3 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2) + Math.Exp(-3)), lse[0], 12);
        var sm = a.Softmax(1);
        Assert.Equal(1.0, sm.Sum(1).ToArray()[0], 12);
        Assert.Equal(a.Sum(0).ToArray(), a.SumTo([1, 3, 4]).Reshape(3, 4).ToArray());
    }

    [Fact]
    public void IncompatibleBroadcastNamesBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor<double>.Zeros(2, 3) + Tensor<double>.Zeros(4));
        Assert.Contains("[2, 3]", e.Message); Assert.Contains("[4]", e.Message);
        var r = Assert.Throws<ShapeMismatchException>(() => Tensor<double>.Zeros(2, 3).Reshape(4, 2));
        Assert.Contains("[2, 3]", r.Message); Assert.Contains("[4, 2]", r.Message);
    }

    [Fact]
    public void ZeroSizeTensorsAreContiguousAndUsable()
    {
        var z = Tensor<double>.Zeros(3, 0, 2);
        Assert.True(z.IsContiguous);
        Assert.Equal(0, z.Span.Length);
        Assert.Equal(0, Tensor<float>.Ones(0, 4).Length);
        Assert.Equal(new[] { 3, 2 }, z.Sum(1).ShapeArray());
        Assert.Equal(0, (z + 1.0).Length);
    }

    [Fact]
    public void SeededRandomIsReproducibleAndWellDistributed()
    {
        var a = Tensor<double>.RandomNormal(new Rng(11), 20000).ToArray();
        var b = Tensor<double>.RandomNormal(new Rng(11), 20000).ToArray();
        Assert.Equal(a, b);
        Assert.InRange(a.Average(), -0.03, 0.03);
        Assert.InRange(a.Select(v => v * v).Average(), 0.96, 1.04);
        var p = new Rng(3).Permutation(50);
        Assert.Equal(Enumerable.Range(0, 50), p.OrderBy(v => v));
        var u = Tensor<float>.RandomUniform(new Rng(1), -1f, 2f, 1000).ToArray();
        Assert.All(u, v => Assert.InRange(v, -1f, 2f));
    }
}
