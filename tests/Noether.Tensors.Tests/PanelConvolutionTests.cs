namespace Noether.Tensors.Tests;

/// <summary>
/// The panel convolution (patches unfolded straight into micro-kernel panels, bias and ReLU fused) against direct
/// loops and against the im2col + GEMM path, at sizes that leave partial row tiles and partial pixel panels.
/// </summary>
public class PanelConvolutionTests
{
    [Theory]
    [InlineData(2, 5, 13, 11, 9, 3, 1, 1, 1, 1)]   // 13 outputs: a full 12-row tile and a 1-row edge; 99 pixels: partial panel
    [InlineData(1, 7, 25, 17, 19, 3, 2, 1, 1, 1)]  // stride 2 (scalar gather) with padding
    [InlineData(2, 4, 6, 12, 10, 3, 1, 2, 2, 1)]   // dilation 2, padding 2
    [InlineData(1, 6, 10, 9, 9, 1, 1, 0, 1, 2)]    // 1×1, groups 2
    [InlineData(3, 16, 16, 32, 32, 3, 1, 1, 1, 1)] // ResNet-20 stage 1
    public void MatchesDirectLoopsWithBiasAndRelu(int n, int c, int o, int h, int w, int k, int stride, int pad, int dil, int groups)
    {
        var rng = new Rng((ulong)(n * 7 + c * 13 + o));
        var x = Tensor<double>.RandomNormal(rng, n, c, h, w);
        var wt = Tensor<double>.RandomNormal(rng, o, c / groups, k, k);
        var b = Tensor<double>.RandomNormal(rng, o);
        var opts = new Conv2dOptions(stride, stride, pad, pad, dil, dil, groups);
        var reference = Reference.Conv2d(x, wt, b, opts);
        Assert.True(Convolution.Conv2d(x, wt, b, opts).MaxAbsDiff(reference) < 1e-10);
        Assert.True(Convolution.Conv2d(x, wt, b, opts, relu: true).MaxAbsDiff(reference.Relu()) < 1e-10);
        Assert.True(Convolution.Conv2d(x, wt, null, opts, relu: true).MaxAbsDiff(Reference.Conv2d(x, wt, null, opts).Relu()) < 1e-10);
    }

    [Fact]
    public void Float32PanelsAgreeWithTheIm2ColPath()
    {
        var rng = new Rng(9);
        var x = Tensor<float>.RandomNormal(rng, 4, 33, 15, 14); var w = Tensor<float>.RandomNormal(rng, 37, 33, 3, 3); var b = Tensor<float>.RandomNormal(rng, 37);
        var opts = Conv2dOptions.Square(1, 1);
        var panels = Convolution.Conv2d(x, w, b, opts, relu: true);
        Tensor<float> im2col;
        Convolution.UsePanels = false;
        try { im2col = Convolution.Conv2d(x, w, b, opts).Relu(); }
        finally { Convolution.UsePanels = true; }
        var d = panels.Cast<double>().MaxAbsDiff(im2col.Cast<double>());
        Assert.True(d < 1e-4, $"max |Δ| {d}");
        Assert.True(Reference.Conv2d(x.Cast<double>(), w.Cast<double>(), b.Cast<double>(), opts).Relu().MaxAbsDiff(panels.Cast<double>()) < 1e-3);
    }
}
