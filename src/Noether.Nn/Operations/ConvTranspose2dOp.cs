using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// 2-D transposed convolution (NCHW; PyTorch's ConvTranspose2d, ONNX ConvTranspose); weight [In, Out/Groups, K, K],
/// bias [Out]. Output size (H − 1)·stride − 2·pad + dilation·(K − 1) + 1 + output padding. The output padding adds
/// rows (columns) at the bottom (right) and may be negative to cut them, so asymmetric ONNX pads need no extra node.
/// </summary>
public sealed record ConvTranspose2dOp(int In, int Out, int KernelH, int KernelW, Conv2dOptions Options,
    int OutputPaddingH = 0, int OutputPaddingW = 0, bool Bias = true) : Op
{
    public override string Kind => "ConvTranspose2d";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            // PyTorch's init: fan-in computed from weight.size(1)·K·K.
            double bound = 1 / Math.Sqrt(Math.Max(1, Out / Math.Max(1, Options.Groups) * KernelH * KernelW));
            var slots = new List<ParameterSlot> { new("weight", [In, Out / Math.Max(1, Options.Groups), KernelH, KernelW], Initializer.Uniform(bound)) };
            if (Bias) slots.Add(new("bias", [Out], Initializer.Uniform(bound)));
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 3, "[C, H, W]");
        var o = Options;
        if (s[0] != In) throw new ShapeMismatchException(Kind, $"expects {In} input channels", s, [In, Out / Math.Max(1, o.Groups), KernelH, KernelW]);
        if (o.Groups < 1 || In % o.Groups != 0 || Out % o.Groups != 0) throw new ShapeMismatchException(Kind, $"groups {o.Groups} must divide {In} and {Out}", s);
        if (KernelH < 1 || KernelW < 1 || o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.PadH < 0 || o.PadW < 0)
            throw new ShapeMismatchException(Kind, $"invalid kernel {KernelH}x{KernelW} or options {o}", s);
        var (oh, ow) = OutputSize(s[1], s[2]);
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(Kind, $"padding leaves an empty output ({oh}x{ow})", s, [KernelH, KernelW]);
        return [Out, oh, ow];
    }

    private (int H, int W) OutputSize(int h, int w)
    {
        var o = Options;
        return ((h - 1) * o.StrideH - 2 * o.PadH + o.DilationH * (KernelH - 1) + 1 + OutputPaddingH,
            (w - 1) * o.StrideW - 2 * o.PadW + o.DilationW * (KernelW - 1) + 1 + OutputPaddingW);
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var (oh, ow) = OutputSize(x[0].Value.Dim(2), x[0].Value.Dim(3));
        return Ops.ConvTranspose2d(x[0], c.Parameter("weight"), Bias ? c.Parameter("bias") : null, Options, oh, ow);
    }

    public override string Describe() => $"ConvTranspose2d({In} → {Out}, {KernelH}x{KernelW}, stride {Options.StrideH}, pad {Options.PadH}"
        + (OutputPaddingH != 0 || OutputPaddingW != 0 ? $", output padding {OutputPaddingH}x{OutputPaddingW}" : "")
        + (Options.DilationH > 1 ? $", dilation {Options.DilationH}" : "") + (Options.Groups > 1 ? $", groups {Options.Groups}" : "") + (Bias ? "" : ", no bias") + ")";
}
