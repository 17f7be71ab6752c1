using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// The deriver never throws on a valid graph, and whatever group it derives is right: over 500 random graphs (random
/// ops, widths, residuals, concats, gates, transposes, reshapes, attention) a random element of the derived group
/// leaves the function unchanged. What it cannot prove it must fix, with a note, not guess.
/// </summary>
public class RandomGraphDerivationTests
{
    /// <summary>Builds one random graph from a seed: a sequence of blocks on [T, D] tokens, then a linear read-out.</summary>
    internal static Graph RandomGraph(ulong seed)
    {
        var rng = new Rng(seed);
        int Pick(int lo, int hi) => lo + (int)(rng.NextUInt64() % (ulong)(hi - lo + 1));
        var b = new GraphBuilder($"random{seed}");
        int tokens = Pick(1, 3);
        var x = b.Input("input", tokens, Pick(2, 6));
        var pool = new List<ValueId> { x };
        int blocks = Pick(1, 7);
        for (int i = 0; i < blocks; i++)
        {
            int d = b.ShapeOf(x)[^1];
            int w = Pick(2, 6);
            x = Pick(0, 13) switch
            {
                0 => b.Linear(x, w, bias: Pick(0, 1) == 1),
                1 => b.Activation(x, Activation.Parse(Models.ActivationNames[Pick(0, Models.ActivationNames.Length - 1)])),
                2 => b.LayerNorm(x),
                3 => b.RmsNorm(x),
                // Residual MLP block: x + W2 act(W1 x)
                4 => b.Residual(x, b.Linear(b.Activation(b.Linear(x, w), Activation.Relu), d)),
                // Concat with an earlier value of the same token count (features axis)
                5 => pool.Where(v => b.ShapeOf(v).Length == 2 && b.ShapeOf(v)[0] == tokens).ToArray() is { Length: > 0 } same
                    ? b.Add(new ConcatOp(1), null, x, same[Pick(0, same.Length - 1)]) : x,
                // Gated unit: (W_g x) ⊙ act(W_u x)
                6 => b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), null, b.Linear(x, w), b.Activation(b.Linear(x, w), Activation.Silu)),
                7 => b.Add(new SoftmaxOp(), null, x),
                8 => b.Add(new ScalarBinaryOp(BinaryFunction.Mul, 0.5 + Pick(0, 3)), null, x),
                // Tokens become features and back: a Linear over the token axis
                9 => b.Add(new TransposeOp([1, 0]), null, b.Linear(b.Add(new TransposeOp([1, 0]), null, x), tokens)),
                10 => Attention(b, x, rng),
                // Two elementwise branches summed (not a residual of x itself)
                11 => b.Add(new ElementwiseBinaryOp(BinaryFunction.Add), null, b.Linear(x, w), b.Linear(x, w, bias: false)),
                12 => b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), null, x, x),
                _ => b.Activation(b.Linear(x, w), Activation.Tanh),
            };
            pool.Add(x);
        }
        // Read-out: a mean over tokens or a flatten of tokens and features (which the deriver must not over-trust).
        var pooled = rng.NextUInt64() % 3 == 0
            ? b.Add(new ReshapeOp([Shapes.Size(b.ShapeOf(x))]), "flatten", x)
            : b.Add(new ReduceMeanOp(0), "pool", x);
        return b.Build(b.Linear(pooled, 3, "head"));
    }

    private static ValueId Attention(GraphBuilder b, ValueId x, Rng rng)
    {
        int d = b.ShapeOf(x)[^1];
        int heads = d % 2 == 0 && rng.NextUInt64() % 2 == 0 ? 2 : 1;
        int kv = heads == 2 && rng.NextUInt64() % 2 == 0 ? 1 : heads;
        return b.Residual(x, b.Add(new AttentionOp(d, heads, kv, Causal: rng.NextUInt64() % 2 == 0), null, x));
    }

    [Fact]
    public void FiveHundredRandomGraphsDeriveWithoutThrowingAndEveryGroupKeepsTheFunction()
    {
        int withFactors = 0, withNotes = 0;
        for (ulong seed = 0; seed < 500; seed++)
        {
            var graph = RandomGraph(seed);
            WeightSpaceSpec spec;
            try { spec = SymmetryDeriver.Derive(graph); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"seed {seed}: derivation threw {e.GetType().Name}: {e.Message}\n{Describe(graph)}"); }
            if (spec.Factors.Count > 0) withFactors++;
            if (spec.Notes.Count > 0) withNotes++;
            var model = Models.Randomised(graph, seed);
            var x = Tensor<double>.RandomNormal(new Rng(seed + 1000), [4, .. graph.Inputs[0].Shape]);
            var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(seed + 2000)));
            var cmp = FunctionComparison.Of(model, moved, x);
            Assert.True(cmp.Within(1e-8), $"seed {seed}: a random element of {spec.Group.Name} changed the function by {cmp.MaxRelDiff:E2}\n{Describe(graph)}");
        }
        // The generator is not degenerate: most graphs have symmetry to check.
        Assert.True(withFactors > 350, $"only {withFactors} of 500 graphs derived any factor ({withNotes} with notes)");
    }

    private static string Describe(Graph g) => string.Join("\n", g.Nodes.Select(n => $"  {n} → {Shapes.Format(g.ShapeOf(n.Name))}"));
}
