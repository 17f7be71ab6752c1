using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>An elementwise <see cref="UnaryFunction"/> (√, exp, erf, …).</summary>
public sealed record ElementwiseUnaryOp(UnaryFunction Function) : Op
{
    public override string Kind => "ElementwiseUnary";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Function.Apply(x[0]);
    public override string Describe() => Function.ToString();
}
