using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// f(x, p) — or f(p, x) when <see cref="ParameterFirst"/> — of a graph value and a parameter of per-sample shape
/// <see cref="Shape"/> that broadcasts against each sample (a bias, a per-channel scale, a fixed mask). The parameter's
/// role (default <c>weight</c>) names it <c>{node}.{Role}</c>; it is a buffer when <see cref="Trainable"/> is false.
/// </summary>
public sealed record ParameterBinaryOp(BinaryFunction Function, int[] Shape, bool ParameterFirst = false, string Role = "weight", bool Trainable = true) : Op
{
    public override string Kind => "ParameterBinary";

    public override IReadOnlyList<ParameterSlot> Parameters =>
        [new(Role, (int[])Shape.Clone(), Function is BinaryFunction.Mul or BinaryFunction.Div or BinaryFunction.Pow ? Initializer.Ones : Initializer.Zeros, Trainable)];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (Shape.Length > inputs[0].Length)
            throw new ShapeMismatchException(Kind, $"the parameter {Role} has more axes than a sample", inputs[0], Shape);
        return BinaryFunctions.BroadcastSample(Kind, inputs[0], Shape);
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var p = BinaryFunctions.AlignUnbatched(c.Parameter(Role), x[0].Value.Rank - 1);
        return ParameterFirst ? Function.Apply(p, x[0]) : Function.Apply(x[0], p);
    }

    public override string Describe() => $"{Function.Symbol()}({(ParameterFirst ? $"{Role}{Shapes.Format(Shape)}, x" : $"x, {Role}{Shapes.Format(Shape)}")}{(Trainable ? "" : ", fixed")})";

    public bool Equals(ParameterBinaryOp? other) => other is not null && Function == other.Function && Shape.SequenceEqual(other.Shape)
        && ParameterFirst == other.ParameterFirst && Role == other.Role && Trainable == other.Trainable;
    public override int GetHashCode() => HashCode.Combine(Function, Shape.Length, ParameterFirst, Role, Trainable);
}
