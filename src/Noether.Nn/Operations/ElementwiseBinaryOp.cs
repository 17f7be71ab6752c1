using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// f(a, b) of two graph values with per-sample broadcasting (batch axes aligned, per-sample shapes right-aligned),
/// e.g. the product of a gate and a signal, or a residual difference.
/// </summary>
public sealed record ElementwiseBinaryOp(BinaryFunction Function) : Op
{
    public override string Kind => "ElementwiseBinary";
    public override int InputCount => 2;
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => BinaryFunctions.BroadcastSample(Kind, inputs[0], inputs[1]);

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        int rank = Math.Max(x[0].Value.Rank, x[1].Value.Rank) - 1;
        return Function.Apply(BinaryFunctions.AlignSample(x[0], rank), BinaryFunctions.AlignSample(x[1], rank));
    }

    public override string Describe() => Function.Symbol();
}
