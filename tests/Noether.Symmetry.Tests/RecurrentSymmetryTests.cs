using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// LSTM and GRU hidden units: one signed permutation shared across gates, input and recurrent weights, directions,
/// peepholes and stored states. Tested both ways: a random element keeps the function; flipping a sigmoid gate's rows
/// too (an element just outside) changes it.
/// </summary>
public class RecurrentSymmetryTests
{
    public static TheoryData<string> Layers() => new(["lstm", "lstm_bidirectional", "lstm_peepholes_state", "lstm_final_cell",
        "gru", "gru_linear_before_reset", "gru_bidirectional_state"]);

    private static Op Layer(string kind, int input, int hidden) => kind switch
    {
        "lstm" => new LstmOp(input, hidden),
        "lstm_bidirectional" => new LstmOp(input, hidden, RecurrentDirection.Bidirectional),
        "lstm_peepholes_state" => new LstmOp(input, hidden, Peepholes: true, InitialState: true),
        "lstm_final_cell" => new LstmOp(input, hidden, FinalCellState: true),
        "gru" => new GruOp(input, hidden),
        "gru_linear_before_reset" => new GruOp(input, hidden, LinearBeforeReset: true),
        "gru_bidirectional_state" => new GruOp(input, hidden, RecurrentDirection.Bidirectional, InitialState: true),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>Linear(3 → 4) → recurrent(4 → 5) → mean over steps and directions → Linear → 2 outputs, over 6 steps.</summary>
    private static Graph Net(string kind)
    {
        var b = new GraphBuilder(kind);
        var x = b.Input("input", 6, 3);
        var h = b.Add(Layer(kind, 4, 5), "rnn", b.Linear(x, 4, "proj"));
        var steps = b.Add(new ReduceMeanOp(0), "pool", h);           // [directions, hidden]
        var units = b.Add(new ReduceMeanOp(0), "pool_directions", steps); // [hidden]
        return b.Build(b.Linear(units, 2, "head"));
    }

    private static Model<double> Randomised(Graph g, ulong seed)
    {
        var m = Models.Randomised(g, seed);
        // Stored initial states are zero-initialised buffers: give them values so their binding is tested.
        var rng = new Rng(seed + 7);
        return m.WithParameters(m.Parameters.Where(p => p.Key.Contains("initial_")).ToDictionary(p => p.Key, p => Tensor<double>.RandomNormal(rng, p.Value.ShapeArray())));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void HiddenUnitsAdmitOneSignedPermutationAcrossGatesAndARandomElementKeepsTheFunction(string kind)
    {
        var graph = Net(kind);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes.Where(n => n.Contains("rnn")));
        var hidden = spec.Factors.Single(f => f.Bindings.Any(b => b.Parameter.StartsWith("rnn.weight_hh", StringComparison.Ordinal)));
        Assert.Equal(Group.SignedPermutation(5), hidden.Group);
        // Every recurrent parameter moves with it.
        var bound = hidden.Bindings.Select(b => b.Parameter).ToHashSet();
        Assert.All(graph.Parameters.Where(p => p.NodeName == "rnn"), p => Assert.Contains(p.Name, bound));
        var model = Randomised(graph, 3);
        var x = Tensor<double>.RandomNormal(new Rng(4), 5, 6, 3);
        for (ulong s = 0; s < 5; s++)
        {
            var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(10 + s)));
            var cmp = FunctionComparison.Of(model, moved, x);
            Assert.True(cmp.Within(1e-9), $"{kind}: {cmp.MaxRelDiff:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void FlippingASigmoidGateToo_JustOutsideTheGroup_ChangesTheFunction(string kind)
    {
        var graph = Net(kind);
        var spec = SymmetryDeriver.Derive(graph);
        var hidden = spec.Factors.Single(f => f.Bindings.Any(b => b.Parameter.StartsWith("rnn.weight_hh", StringComparison.Ordinal)));
        // Treat the first sigmoid gate's rows as if they flipped like the candidate's.
        string gate = kind.StartsWith("lstm") ? "rnn.weight_ih_i" : "rnn.weight_ih_z";
        var outside = hidden with
        {
            Bindings = hidden.Bindings.Select(b => b.Parameter == gate && b.Rule == AxisRule.PermutationOnly ? b with { Rule = AxisRule.Covariant } : b).ToList(),
        };
        Assert.NotEqual(hidden.Bindings, outside.Bindings);
        var wrong = spec with { Factors = spec.Factors.Select(f => f == hidden ? outside : f).ToList() };
        var model = Randomised(graph, 3);
        var x = Tensor<double>.RandomNormal(new Rng(4), 5, 6, 3);
        // Only the hidden factor moves, and it flips every sign: the gate's pre-activation changes sign.
        var flips = SignsOnly(wrong, hidden);
        var cmp = FunctionComparison.Of(model, GroupAction.Apply(model, wrong, flips), x);
        Assert.True(cmp.MaxRelDiff > 1e-3, $"{kind}: flipping gate rows kept the function ({cmp.MaxRelDiff:E2})");
        Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, flips), x).Within(1e-9));
    }

    /// <summary>The element that is the identity on every factor but −1 on every unit of <paramref name="factor"/>.</summary>
    private static ProductElement SignsOnly(WeightSpaceSpec spec, SymmetryFactor factor)
    {
        var parts = spec.Factors.Select(f => f.Name != factor.Name ? f.Group.Identity : f.Group.Identity switch
        {
            MonomialElement => new MonomialElement(Enumerable.Range(0, f.Channels).ToArray(), Enumerable.Repeat(-1.0, f.Channels).ToArray()),
            var other => throw new InvalidOperationException($"the hidden factor's group {f.Group} is not monomial ({other.GetType().Name})"),
        }).ToArray();
        return new ProductElement(parts);
    }
}
