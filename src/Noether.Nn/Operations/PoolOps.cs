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
        int oh = (s[1] + 2 * o.PadH - o.KernelH) / o.StrideH + 1, ow = (s[2] + 2 * o.PadW - o.KernelW) / o.StrideW + 1;
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(kind, "window larger than padded input", s, [o.KernelH, o.KernelW]);
        return [s[0], oh, ow];
    }
}
