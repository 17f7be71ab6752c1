using Noether.Metanetworks.Augmentation;
using Noether.Metanetworks.Graphs;
using Noether.Metanetworks.Layers;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Tests;

/// <summary>
/// The graph metanetwork reads a network and a random transform of it by its derived group (permutations: the GMN claims
/// no scalings) and returns the same output; a transformation outside the group (one axis permuted alone) changes it.
/// </summary>
public class GmnInvarianceTests
{
    public static TheoryData<string> Architectures => new() { "mlp", "cnn", "resnet", "transformer" };

    private static Graph Arch(string name) => name switch
    {
        "resnet" => Builders.ResNet20([1, 6, 6], 3, width: 2, blocksPerStage: 1),
        "transformer" => Builders.Transformer(3, 4, 2, model: 4, heads: 2, kvHeads: 2, layers: 1),
        _ => TestModels.ByName(name),
    };

    private static double Run(GmnNetwork<double> net, Model<double> model)
    {
        var pg = ParameterGraphBuilder.Build(model);
        Assert.True(net.Structure.Matches(pg));
        var (x, e) = net.Structure.Encode<double>([pg.EdgeValues]);
        net.Store.NewPass();
        return net.Forward(Variable<double>.Constant(x), Variable<double>.Constant(e)).Value.ToScalar();
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Output_is_invariant_to_derived_permutations_and_not_to_a_decoupled_one(string arch)
    {
        var graph = Arch(arch);
        var spec = SymmetryDeriver.Derive(graph);
        var rng = new Rng(21);
        var model = Model<double>.Initialize(graph, new Rng(2));
        // Non-trivial norm gains and shifts, so norm edges carry information.
        foreach (var p in graph.Parameters.Where(p => p.Trainable && p.Shape.Length == 1))
            model[p.Name].CopyFrom(Tensor<double>.RandomNormal(rng, p.Shape));
        var net = new GmnNetwork<double>(new GmnStructure(ParameterGraphBuilder.Build(model)), hidden: 8, layers: 2, outputs: 1, rng);
        double y = Run(net, model);
        for (int trial = 0; trial < 3; trial++)
        {
            var g = SymmetryAugmentation.RandomElement(spec, rng);
            var moved = GroupAction.Apply(model, spec, g);
            Assert.True(moved.Parameters.Any(kv => kv.Value.MaxAbsDiff(model[kv.Key]) > 0), "the random element moved nothing");
            Assert.True(Math.Abs(Run(net, moved) - y) <= 1e-10 * Math.Max(1, Math.Abs(y)));
        }
        // Outside the group: permute the rows of the first layer's weight alone (its consumers not told).
        var first = graph.Parameters.First(p => p.Trainable && p.Shape.Length >= 2);
        var w = model[first.Name];
        int rows = first.Shape[0], inner = w.Length / rows;
        var perm = Enumerable.Range(0, rows).Reverse().ToArray();
        var data = w.ToArray(); var swapped = new double[data.Length];
        for (int r = 0; r < rows; r++) Array.Copy(data, perm[r] * inner, swapped, r * inner, inner);
        var decoupled = model.WithParameters(new Dictionary<string, Tensor<double>> { [first.Name] = new Tensor<double>(swapped, first.Shape) });
        Assert.True(Math.Abs(Run(net, decoupled) - y) > 1e-8 * Math.Max(1, Math.Abs(y)));
    }

    [Fact]
    public void Positive_scalings_change_the_output_since_the_gmn_does_not_claim_them()
    {
        var graph = TestModels.Mlp();
        var spec = SymmetryDeriver.Derive(graph);
        var model = Model<double>.Initialize(graph, new Rng(2));
        var net = new GmnNetwork<double>(new GmnStructure(ParameterGraphBuilder.Build(model)), 8, 2, 1, new Rng(5));
        var scaled = GroupAction.Apply(model, spec, spec.Random(new Rng(8)));
        // Same function (ReLU's P·D⁺ group), different GMN output: the metanetwork is not scale-invariant, as stated.
        var x = Tensor<double>.RandomNormal(new Rng(1), 4, 5);
        Assert.True(model.Predict(x)[0].MaxAbsDiff(scaled.Predict(x)[0]) < 1e-10);
        Assert.True(Math.Abs(Run(net, scaled) - Run(net, model)) > 1e-8);
    }

    [Fact]
    public void Layer_and_readout_pass_a_float64_gradient_check()
    {
        var graph = Builders.Mlp(3, [2], 2);
        var pg = ParameterGraphBuilder.Build(Model<double>.Initialize(graph, new Rng(1)));
        var net = new GmnNetwork<double>(new GmnStructure(pg), hidden: 3, layers: 2, outputs: 2, new Rng(6), readoutHidden: 3);
        var (x, e) = net.Structure.Encode<double>([pg.EdgeValues, pg.EdgeValues.Select(v => -v).ToArray()]);
        var names = net.Store.Values.Keys.ToArray();
        var result = GradCheck.Run(v =>
        {
            net.Store.NewPass();
            for (int i = 0; i < names.Length; i++) net.Store.Bind(names[i], v[2 + i]);
            return net.Forward(v[0], v[1]);
        }, [x, e, .. names.Select(n => net.Store.Values[n].Clone())]);
        Assert.True(result.MaxRelativeError < 1e-6, $"{result}");
    }
}
