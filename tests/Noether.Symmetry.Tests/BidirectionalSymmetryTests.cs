using Noether.IO.Tests.OnnxZoo;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// Bidirectional recurrent layers (issue 12): each direction's hidden units are a signed-permutation space of their own,
/// and the op sequence that lays the directions side by side ([T, D, H] → [T, D·H]) is a channel concatenation whose
/// readers bind each direction's stretch. Tested both ways: each direction's element keeps the function; the same
/// permutation applied to one side only (the input weights, or the other direction's stretch of the head) changes it.
/// </summary>
public class BidirectionalSymmetryTests
{
    private static readonly Lazy<(Model<double> Model, WeightSpaceSpec Spec, Tensor<double> X)> Gru = new(() =>
    {
        var zoo = ZooManifest.Get("gru");
        var model = ZooDriver.LoadAtGoldenSizes<double>(zoo);
        return (model, SymmetryDeriver.Derive(model.Graph), ZooDriver.Inputs(model, zoo)[0]);
    });

    /// <summary>A cycle of every unit with alternating signs: no unit stays where it was.</summary>
    private static MonomialElement Cycle(int n) => new(Enumerable.Range(0, n).Select(i => (i + 1) % n).ToArray(),
        Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.0 : 1.0).ToArray());

    /// <summary>The element that is <paramref name="element"/> on factor <paramref name="name"/> and the identity elsewhere.</summary>
    private static ProductElement Only(WeightSpaceSpec spec, string name, GroupElement element)
        => new(spec.Factors.Select(f => f.Name == name ? element : f.Group.Identity).ToArray());

    private static double Change(Model<double> model, WeightSpaceSpec spec, ProductElement element, Tensor<double> x)
        => FunctionComparison.Of(model, GroupAction.Apply(model, spec, element, checkMembership: false), x).MaxRelDiff;

    [Fact]
    public void EachDirectionBindsItsOwnParametersAndItsStretchOfTheHead()
    {
        var (model, spec, _) = Gru.Value;
        var forward = spec.Factors.Single(f => f.Name == "rnn.GRU[forward]");
        var reverse = spec.Factors.Single(f => f.Name == "rnn.GRU[reverse]");
        var recurrent = model.Graph.Parameters.Where(p => p.NodeName == "rnn.GRU").Select(p => p.Name).ToList();
        Assert.Equal(24, recurrent.Count);
        Assert.Equal(recurrent.Where(p => !p.EndsWith("_reverse")).Order(), forward.Bindings.Select(b => b.Parameter).Where(p => p != "head.weight").Distinct().Order());
        Assert.Equal(recurrent.Where(p => p.EndsWith("_reverse")).Order(), reverse.Bindings.Select(b => b.Parameter).Where(p => p != "head.weight").Distinct().Order());
        var headF = Assert.Single(forward.Bindings, b => b.Parameter == "head.weight");
        var headR = Assert.Single(reverse.Bindings, b => b.Parameter == "head.weight");
        Assert.Equal((1, 0, 10, AxisRule.Contravariant), (headF.Axis, headF.Offset, headF.Length, headF.Rule));
        Assert.Equal((1, 10, 10, AxisRule.Contravariant), (headR.Axis, headR.Offset, headR.Length, headR.Rule));
    }

    [Theory]
    [InlineData("rnn.GRU[forward]")]
    [InlineData("rnn.GRU[reverse]")]
    public void OneDirectionsElementKeepsTheFunction(string factor)
    {
        var (model, spec, x) = Gru.Value;
        var element = Only(spec, factor, Cycle(10));
        Assert.True(spec.Group.Contains(element));
        Assert.True(Change(model, spec, element, x) < 1e-9);
    }

    [Fact]
    public void PermutingTheForwardUnitsInTheirInputWeightsOnly_ChangesTheFunction()
    {
        var (model, spec, x) = Gru.Value;
        var forward = spec.Factors.Single(f => f.Name == "rnn.GRU[forward]");
        // The same permutation (no sign flips, so the rule of each gate does not matter), on weight_ih rows alone.
        var oneSided = forward with { Bindings = forward.Bindings.Where(b => b.Parameter.StartsWith("rnn.GRU.weight_ih_")).ToList() };
        Assert.Equal(3, oneSided.Bindings.Count);
        var wrong = spec with { Factors = spec.Factors.Select(f => f == forward ? oneSided : f).ToList() };
        var perm = MonomialElement.FromPermutation(Cycle(10).Perm.ToArray());
        Assert.True(Change(model, wrong, Only(wrong, forward.Name, perm), x) > 1e-3);
        Assert.True(Change(model, spec, Only(spec, forward.Name, perm), x) < 1e-9);
    }

    [Fact]
    public void BindingTheForwardElementToTheReverseStretchOfTheHead_ChangesTheFunction()
    {
        var (model, spec, x) = Gru.Value;
        var forward = spec.Factors.Single(f => f.Name == "rnn.GRU[forward]");
        var swapped = forward with
        {
            Bindings = forward.Bindings.Select(b => b.Parameter == "head.weight" ? b with { Offset = 10 } : b).ToList(),
        };
        var wrong = spec with { Factors = spec.Factors.Select(f => f == forward ? swapped : f).ToList() };
        Assert.True(Change(model, wrong, Only(wrong, forward.Name, Cycle(10)), x) > 1e-3);
    }

    /// <summary>
    /// Two bidirectional layers: the first one's directions merged by Transpose → Reshape → Transpose (time last,
    /// [D, H, T] → [D·H, T] → [T, D·H]); the second reads the merge, so its input weights bind each direction's
    /// columns; its directions merge by a plain Reshape; the head reads the last step.
    /// </summary>
    private static Graph TwoLayers(bool lstm)
    {
        const int steps = 5, hidden = 4;
        Op Layer(int input) => lstm ? new LstmOp(input, hidden, RecurrentDirection.Bidirectional)
            : new GruOp(input, hidden, RecurrentDirection.Bidirectional, LinearBeforeReset: true);
        var b = new GraphBuilder(lstm ? "bilstm" : "bigru");
        var x = b.Input("input", steps, 3);
        var y1 = b.Add(Layer(3), "rnn1", x);                                        // [T, 2, H]
        var timeLast = b.Add(new TransposeOp([1, 2, 0]), "time_last", y1);         // [2, H, T]
        var merged1 = b.Add(new ReshapeOp([2 * hidden, steps]), "merge1", timeLast);
        var seq = b.Add(new TransposeOp([1, 0]), "time_first", merged1);          // [T, 2H]
        var y2 = b.Add(Layer(2 * hidden), "rnn2", seq);
        var merged2 = b.Add(new ReshapeOp([steps, 2 * hidden]), "merge2", y2);
        var last = b.Add(new GatherOp(0, [-1], []), "last", merged2);
        return b.Build(b.Linear(last, 3, "head"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StackedBidirectionalLayersDeriveOneFactorPerDirectionAndARandomElementKeepsTheFunction(bool lstm)
    {
        var graph = TwoLayers(lstm);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        Assert.Equal(["rnn1[forward]: S_4 ⋉ {±1}^4", "rnn1[reverse]: S_4 ⋉ {±1}^4", "rnn2[forward]: S_4 ⋉ {±1}^4", "rnn2[reverse]: S_4 ⋉ {±1}^4"],
            spec.Factors.Select(f => $"{f.Name}: {f.Group.Name}"));
        // The second layer's input weights: columns 0..4 move with the first layer's forward units, 4..8 with its reverse.
        var reverse1 = spec.Factors.Single(f => f.Name == "rnn1[reverse]");
        Assert.All(reverse1.Bindings.Where(b => b.Parameter.StartsWith("rnn2.")), b => Assert.Equal((1, 4, 4), (b.Axis, b.Offset, b.Length)));
        Assert.Equal(lstm ? 8 : 6, reverse1.Bindings.Count(b => b.Parameter.StartsWith("rnn2.weight_ih_")));
        var model = Models.Randomised(graph, 3);
        var x = Tensor<double>.RandomNormal(new Rng(4), 6, 5, 3);
        for (ulong s = 0; s < 3; s++)
        {
            var cmp = FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(new Rng(20 + s))), x);
            Assert.True(cmp.Within(1e-9), $"{cmp.MaxRelDiff:E2}");
        }
        // Both ways: the first layer's reverse element with the second layer's columns left alone changes the function.
        var oneSided = reverse1 with { Bindings = reverse1.Bindings.Where(b => !b.Parameter.StartsWith("rnn2.")).ToList() };
        var wrong = spec with { Factors = spec.Factors.Select(f => f == reverse1 ? oneSided : f).ToList() };
        Assert.True(Change(model, wrong, Only(wrong, reverse1.Name, Cycle(4)), x) > 1e-3);
    }

    [Fact]
    public void ALinearAppliedToEachDirectionAlikeJoinsTheirSpaces()
    {
        var b = new GraphBuilder("shared");
        var x = b.Input("input", 5, 3);
        var y = b.Add(new GruOp(3, 4, RecurrentDirection.Bidirectional), "rnn", x);   // [T, 2, H]
        var last = b.Add(new GatherOp(0, [-1], []), "last", y);                       // [2, H]: still two directions
        var mixed = b.Linear(last, 2, "per_direction");                               // the same weights on both
        var graph = b.Build(mixed);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        var factor = Assert.Single(spec.Factors);
        Assert.Equal("S_4 ⋉ {±1}^4", factor.Group.Name);
        Assert.Contains(factor.Bindings, b => b.Parameter == "rnn.weight_hh_h");
        Assert.Contains(factor.Bindings, b => b.Parameter == "rnn.weight_hh_h_reverse");
        var model = Models.Randomised(graph, 5);
        var input = Tensor<double>.RandomNormal(new Rng(6), 4, 5, 3);
        Assert.True(Change(model, spec, new ProductElement([Cycle(4)]), input) < 1e-9);
    }
}
