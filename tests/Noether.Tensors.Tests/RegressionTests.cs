namespace Noether.Tensors.Tests;

/// <summary>Bugs found by the ONNX conformance run, pinned down at the tensor level.</summary>
public class RegressionTests
{
    [Fact]
    public void SoftmaxOfLargeLogitsStaysFinite()
    {
        var x = Tensor<float>.FromArray([10000f, 10001f, 10002f, 10003f], 1, 4);
        var y = x.Softmax(-1).ToArray();
        var expected = new[] { 0, 1, 2, 3 }.Select(i => Math.Exp(i - 3) / new[] { 0, 1, 2, 3 }.Sum(j => Math.Exp(j - 3))).ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 1e-6);
    }

    [Fact]
    public void EmptyTensorsAreContiguous()
    {
        var t = new Tensor<double>(20, 0, 5);
        Assert.True(t.IsContiguous);
        Assert.Equal(0, t.Span.Length);
        Assert.Empty(t.Clone().ToArray());
    }
}
