using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>Max pooling over H and W.</summary>
public sealed record MaxPool2dOp(Pool2dOptions Options) : Op
{
    public override string Kind => "MaxPool2d";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => PoolShape.Infer(Kind, Expect(inputs[0], 3, "[C, H, W]"), Options);
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.MaxPool2d(x[0], Options);
    public override string Describe() => $"MaxPool2d({Options.KernelH}x{Options.KernelW}, stride {Options.StrideH}, pad {Options.PadH})";
}

/// <summary>Average pooling over H and W.</summary>
public sealed record AvgPool2dOp(Pool2dOptions Options) : Op
{
    public override string Kind => "AvgPool2d";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => PoolShape.Infer(Kind, Expect(inputs[0], 3, "[C, H, W]"), Options);
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.AvgPool2d(x[0], Options);
    public override string Describe() => $"AvgPool2d({Options.KernelH}x{Options.KernelW}, stride {Options.StrideH}, pad {Options.PadH})";
}

/// <summary>Mean over all spatial positions: [N, C, H, W] → [N, C].</summary>
public sealed record GlobalAvgPoolOp : Op
{
    public override string Kind => "GlobalAvgPool";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => [Expect(inputs[0], 3, "[C, H, W]")[0]];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Ops.Mean(Ops.Mean(x[0], 3), 2);
    public override string Describe() => "GlobalAvgPool";
}

internal static class PoolShape
{
    public static int[] Infer(string kind, int[] s, Pool2dOptions o)
    {
        if (o.KernelH < 1 || o.KernelW < 1 || o.StrideH < 1 || o.StrideW < 1 || o.PadH < 0 || o.PadW < 0)
            throw new ShapeMismatchException(kind, $"window {o.KernelH}x{o.KernelW} and strides {o.StrideH}x{o.StrideW} must be positive, pads {o.PadH}x{o.PadW} non-negative", s);
        long oh = WindowShape.Output(s[1], o.PadH, 1, o.KernelH, o.StrideH), ow = WindowShape.Output(s[2], o.PadW, 1, o.KernelW, o.StrideW);
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(kind, "window larger than padded input", s, [o.KernelH, o.KernelW]);
        if (oh > int.MaxValue || ow > int.MaxValue) throw new ShapeMismatchException(kind, $"output {oh}x{ow} is too large", s, [o.KernelH, o.KernelW]);
        return [s[0], (int)oh, (int)ow];
    }
}

/// <summary>Output length of a sliding window, in 64-bit arithmetic so absurd attributes cannot wrap around.</summary>
internal static class WindowShape
{
    /// <summary>⌊(size + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1 for stride ≥ 1; 0 when the window does not fit.</summary>
    public static long Output(int size, int pad, int dilation, int kernel, int stride)
    {
        long span = size + 2L * pad - (long)dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }
}
