using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Matrix product of two graph values per sample: [.., m, k] × [.., k, n] → [.., m, n] over the last two per-sample
/// axes, with the leading per-sample axes broadcast (attention scores q·kᵀ, weighted sums of values).
/// </summary>
public sealed record MatMulOp : Op
{
    public override string Kind => "MatMul";
    public override int InputCount => 2;

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        int[] a = inputs[0], b = inputs[1];
        if (a.Length < 2 || b.Length < 2) throw new ShapeMismatchException(Kind, "both operands need at least two per-sample axes [.., rows, columns]", a, b);
        if (a[^1] != b[^2]) throw new ShapeMismatchException(Kind, $"inner dimensions differ ({a[^1]} vs {b[^2]})", a, b);
        var lead = BinaryFunctions.BroadcastSample(Kind, a[..^2], b[..^2]);
        return [.. lead, a[^2], b[^1]];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        int rank = Math.Max(x[0].Value.Rank, x[1].Value.Rank) - 1;
        return Ops.MatMul(BinaryFunctions.AlignSample(x[0], rank), BinaryFunctions.AlignSample(x[1], rank));
    }

    public override string Describe() => "MatMul";
}
