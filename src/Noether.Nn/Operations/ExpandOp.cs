using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Broadcasts each sample against the per-sample shape <see cref="Shape"/> (bidirectionally, as ONNX Expand): the
/// result has the broadcast of both shapes, and its gradient sums back over the repeated axes.
/// </summary>
public sealed record ExpandOp(int[] Shape) : Op
{
    public override string Kind => "Expand";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => BinaryFunctions.BroadcastSample(Kind, inputs[0], Shape);

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var target = InferShape([x[0].Value.ShapeArray()[1..]]);
        return Ops.BroadcastTo(BinaryFunctions.AlignSample(x[0], target.Length), [x[0].Value.Dim(0), .. target]);
    }

    public override string Describe() => $"Expand({Shapes.Format(Shape)})";
    public bool Equals(ExpandOp? other) => other is not null && Shape.SequenceEqual(other.Shape);
    public override int GetHashCode() => Shape.Length;
}
