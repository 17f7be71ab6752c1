using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Permutes the per-sample axes: output axis i is input per-sample axis <see cref="Permutation"/>[i]. The batch axis
/// always stays first (an NHWC → NCHW transpose is <c>[2, 0, 1]</c>).
/// </summary>
public sealed record TransposeOp(int[] Permutation) : Op
{
    public override string Kind => "Transpose";

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        if (Permutation.Length != s.Length || !Permutation.OrderBy(p => p).SequenceEqual(Enumerable.Range(0, s.Length)))
            throw new ShapeMismatchException(Kind, $"permutation {Shapes.Format(Permutation)} is not a permutation of the {s.Length} per-sample axes", s);
        return Permutation.Select(p => s[p]).ToArray();
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => Ops.Permute(x[0], [0, .. Permutation.Select(p => p + 1)]);

    public override string Describe() => $"Transpose({Shapes.Format(Permutation)})";
    public bool Equals(TransposeOp? other) => other is not null && Permutation.SequenceEqual(other.Permutation);
    public override int GetHashCode() => Permutation.Length;
}
