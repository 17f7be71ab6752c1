using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Learned absolute position embeddings (GPT-2's <c>wpe</c>): [S, Dim] → x + weight[0..S), with a table of
/// <see cref="Positions"/> rows of which a sequence of S ≤ Positions tokens uses the first S. Unlike
/// <see cref="LearnedBiasOp"/> the whole table is a parameter, so a transform of the features reaches every row and a
/// checkpoint written back keeps its size.
/// </summary>
/// <param name="Positions">Rows of the table (n_positions).</param>
/// <param name="Dim">Features per position.</param>
public sealed record PositionEmbeddingOp(int Positions, int Dim) : Op
{
    public override string Kind => "PositionEmbedding";
    public override IReadOnlyList<ParameterSlot> Parameters => [new("weight", [Positions, Dim], Initializer.Normal(0.02))];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 2, "[S, D]");
        if (s[1] != Dim) throw new ShapeMismatchException(Kind, $"expects {Dim} features per position", s);
        if (s[0] > Positions) throw new ShapeMismatchException(Kind, $"a sequence of {s[0]} tokens is longer than the {Positions} positions of the table", s);
        return s;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => x[0] + Ops.Gather(c.Parameter("weight"), Enumerable.Range(0, x[0].Value.Dim(1)).ToArray());

    public override string Describe() => $"PositionEmbedding({Positions} × {Dim})";
}
