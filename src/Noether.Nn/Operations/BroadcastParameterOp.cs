using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// A parameter of per-sample shape <see cref="Shape"/> repeated for every sample: [N, …Shape], where the batch size N
/// comes from the input (whose values are not read). A ViT class token expanded over the batch, or a fixed
/// <c>zeros(batch, d)</c>, is such a value; its gradient sums over the batch. A buffer when <see cref="Trainable"/> is false.
/// </summary>
public sealed record BroadcastParameterOp(int[] Shape, bool Trainable = true) : Op
{
    public override string Kind => "BroadcastParameter";
    public override IReadOnlyList<ParameterSlot> Parameters => [new("weight", (int[])Shape.Clone(), Initializer.Normal(0.02), Trainable)];
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => (int[])Shape.Clone();

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => Ops.BroadcastTo(Ops.Reshape(c.Parameter("weight"), [1, .. Shape]), [x[0].Value.Dim(0), .. Shape]);

    public override string Describe() => $"BroadcastParameter({Shapes.Format(Shape)}{(Trainable ? "" : ", fixed")})";
    public bool Equals(BroadcastParameterOp? other) => other is not null && Shape.SequenceEqual(other.Shape) && Trainable == other.Trainable;
    public override int GetHashCode() => HashCode.Combine(Shape.Length, Trainable);
}
