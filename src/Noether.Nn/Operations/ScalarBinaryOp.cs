using System.Globalization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>f(x, s) — or f(s, x) when <see cref="ScalarFirst"/> — for a fixed scalar s (x², x + ε, 1 / x, …).</summary>
public sealed record ScalarBinaryOp(BinaryFunction Function, double Scalar, bool ScalarFirst = false) : Op
{
    public override string Kind => "ScalarBinary";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var s = Variable<T>.Constant(Tensor<T>.Scalar(T.CreateChecked(Scalar)));
        return ScalarFirst ? Function.Apply(s, x[0]) : Function.Apply(x[0], s);
    }

    public override string Describe()
    {
        var s = Scalar.ToString("R", CultureInfo.InvariantCulture);
        return $"{Function.Symbol()}({(ScalarFirst ? $"{s}, x" : $"x, {s}")})";
    }
}
