using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// condition ? a : b with a fixed condition (a buffer <c>{node}.condition</c> of per-sample shape
/// <see cref="ConditionShape"/> holding 1 for true, 0 for false), e.g. an attention mask. Either branch may be a fixed
/// scalar (<see cref="ScalarA"/>, <see cref="ScalarB"/>) instead of a graph input; inputs are the non-scalar branches
/// in order. Everything broadcasts per sample.
/// </summary>
public sealed record WhereOp(int[] ConditionShape, double? ScalarA = null, double? ScalarB = null) : Op
{
    public override string Kind => "Where";
    public override int InputCount => (ScalarA is null ? 1 : 0) + (ScalarB is null ? 1 : 0);
    public override IReadOnlyList<ParameterSlot> Parameters => [new("condition", (int[])ConditionShape.Clone(), Initializer.Ones, Trainable: false)];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (InputCount == 0) throw new ShapeMismatchException(Kind, "at least one branch must be a graph value", ConditionShape);
        var r = ConditionShape;
        foreach (var s in inputs) r = BinaryFunctions.BroadcastSample(Kind, r, s);
        return r;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        int rank = x.Max(v => v.Value.Rank) - 1;
        rank = Math.Max(rank, ConditionShape.Length);
        int next = 0;
        Variable<T> Branch(double? scalar) => scalar is double v
            ? Variable<T>.Constant(Tensor<T>.Scalar(T.CreateChecked(v)))
            : BinaryFunctions.AlignSample(x[next++], rank);
        var a = Branch(ScalarA); var b = Branch(ScalarB);
        var condition = BinaryFunctions.AlignUnbatched(c.Parameter("condition"), rank).Value;
        return Ops.Where(condition, a, b);
    }

    public override string Describe() => $"Where(condition {Shapes.Format(ConditionShape)}{(ScalarA is double a ? $", a = {a}" : "")}{(ScalarB is double b ? $", b = {b}" : "")})";
    public bool Equals(WhereOp? other) => other is not null && ConditionShape.SequenceEqual(other.ConditionShape) && ScalarA == other.ScalarA && ScalarB == other.ScalarB;
    public override int GetHashCode() => HashCode.Combine(ConditionShape.Length, ScalarA, ScalarB);
}
