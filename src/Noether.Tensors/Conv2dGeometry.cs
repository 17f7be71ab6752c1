namespace Noether.Tensors;

/// <summary>Hyper-parameters of a 2-D convolution or pooling window (NCHW).</summary>
/// <param name="StrideH">Vertical stride.</param><param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Zero padding above and below.</param><param name="PadW">Zero padding left and right.</param>
/// <param name="DilationH">Vertical dilation.</param><param name="DilationW">Horizontal dilation.</param>
/// <param name="Groups">Channel groups (1 = dense, in-channels = depthwise).</param>
public readonly record struct Conv2dOptions(int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0, int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>Dense convolution with stride 1 and no padding.</summary>
    public static Conv2dOptions Default => new(1, 1, 0, 0, 1, 1, 1);

    /// <summary>Same stride and padding in both directions.</summary>
    public static Conv2dOptions Square(int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
        => new(stride, stride, padding, padding, dilation, dilation, groups);
}

/// <summary>A convolution's options resolved against concrete input and kernel sizes.</summary>
internal readonly record struct Conv2dGeometry(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int OutH, int OutW)
{
    public static Conv2dGeometry Resolve(string op, int h, int w, int kh, int kw, Conv2dOptions o, int[] inputShape, int[] kernelShape)
    {
        if (o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.PadH < 0 || o.PadW < 0)
            throw new ArgumentException($"{op}: invalid options {o} for input {Shapes.Format(inputShape)} and kernel {Shapes.Format(kernelShape)}");
        int oh = (h + 2 * o.PadH - o.DilationH * (kh - 1) - 1) / o.StrideH + 1;
        int ow = (w + 2 * o.PadW - o.DilationW * (kw - 1) - 1) / o.StrideW + 1;
        if (oh <= 0 || ow <= 0)
            throw new ShapeMismatchException(op, $"the window does not fit the padded input with {o}", inputShape, kernelShape);
        return new(kh, kw, o.StrideH, o.StrideW, o.PadH, o.PadW, o.DilationH, o.DilationW, oh, ow);
    }
}
