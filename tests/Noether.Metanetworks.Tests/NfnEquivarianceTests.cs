using Noether.Metanetworks.Augmentation;
using Noether.Metanetworks.Layers;
using Noether.Metanetworks.WeightSpace;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Tests;

/// <summary>
/// NFN/DWS layers, both ways: outputs permute exactly under coupled random permutations of the input network's hidden
/// units (applied to the model by the symmetry library's group action), and the same check reports a large error when
/// one parameter axis is permuted on its own (decoupled).
/// </summary>
public class NfnEquivarianceTests
{
    public static TheoryData<string, PermutationVariant> Cases => new()
    {
        { "mlp", PermutationVariant.Hidden }, { "mlp", PermutationVariant.All }, { "cnn", PermutationVariant.Hidden }, { "cnn", PermutationVariant.All },
    };

    private static Variable<double>[] Leaves(IEnumerable<Tensor<double>> x) => x.Select(t => Variable<double>.Constant(t)).ToArray();
    private static Tensor<double>[] Values(IEnumerable<Variable<double>> x) => x.Select(v => v.Value).ToArray();

    /// <summary>A decoupled transformation: the last tensor that carries space s gets another permutation on that axis.</summary>
    internal static Dictionary<(int, int), int[]> Decouple(WeightSpaceLayout layout, int space, int[]?[] perms, Rng rng)
    {
        int tensor = Enumerable.Range(0, layout.Tensors.Count).Last(i => layout.Tensors[i].Spaces.Contains(space));
        int axis = Array.IndexOf(layout.Tensors[tensor].Spaces, space);
        int[] p;
        var coupled = perms[space] ?? Enumerable.Range(0, layout.SpaceSizes[space]).ToArray();
        do p = rng.Permutation(layout.SpaceSizes[space]); while (p.SequenceEqual(coupled));
        return new() { [(tensor, axis)] = p };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_permutes_exactly_with_coupled_permutations_and_not_with_a_decoupled_one(string arch, PermutationVariant variant)
    {
        var graph = TestModels.ByName(arch);
        var spec = SymmetryDeriver.Derive(graph);
        var layout = WeightSpaceLayout.Create(graph, spec, variant);
        var rng = new Rng(11);
        var net = new NfnNetwork<double>(layout, channels: 3, layers: 2, outputs: 2, rng);
        var models = TestModels.Random(graph, 3, 5);
        var x = layout.Encode<double, double>(models);
        for (int trial = 0; trial < 5; trial++)
        {
            Symmetry.Groups.ProductElement g;
            int[]?[] perms;
            do { g = SymmetryAugmentation.RandomElement(spec, rng); perms = layout.PermutationsOf(g); }
            while (perms.All(p => p is null || p.Select((v, i) => v == i).All(b => b)));
            // The group action on the models (the symmetry library) and the layout's own permutation agree exactly.
            var xg = layout.Encode<double, double>(models.Select(m => GroupAction.Apply(m, spec, g)).ToArray());
            Assert.Equal(0, TestModels.MaxAbsDiff(xg, layout.Permute(x, perms)));

            net.Store.NewPass();
            var y = Values(net.Features(Leaves(x)));
            var yg = Values(net.Features(Leaves(xg)));
            double scale = TestModels.MaxAbs(y);
            Assert.True(scale > 1e-3);
            Assert.True(TestModels.MaxAbsDiff(yg, layout.Permute(y, perms)) <= 1e-10);
            var invariant = net.Forward(Leaves(x)).Value;
            Assert.True(invariant.MaxAbsDiff(net.Forward(Leaves(xg)).Value) <= 1e-10);

            // Decouple one hidden space on one axis: the same check must now fail by far.
            int space = Enumerable.Range(0, layout.SpaceSizes.Count).First(s => layout.FactorOfSpace[s] is not null);
            var overrides = Decouple(layout, space, perms, rng);
            var xd = layout.Permute(x, perms, overrides);
            var yd = Values(net.Features(Leaves(xd)));
            Assert.True(TestModels.MaxAbsDiff(yd, layout.Permute(y, perms, overrides)) > 1e-3 * scale,
                "a decoupled permutation went unnoticed: the layer does not tie the axes of one neuron space");
            Assert.True(invariant.MaxAbsDiff(net.Forward(Leaves(xd)).Value) > 1e-6);
        }
    }

    [Fact]
    public void Np_layer_is_also_equivariant_to_input_and_output_permutations()
    {
        var graph = TestModels.Mlp();
        var layout = WeightSpaceLayout.Create(graph, PermutationVariant.All);
        var rng = new Rng(3);
        var layer = new NfnLayer<double>(new ParameterStore<double>(), "np", layout, 1, 2, rng);
        var x = layout.Encode<double, double>(TestModels.Random(graph, 2, 9));
        var perms = layout.SpaceSizes.Select(n => rng.Permutation(n)).ToArray();
        var y = Values(layer.Forward(Leaves(x)));
        var yp = Values(layer.Forward(Leaves(layout.Permute(x, perms))));
        Assert.True(TestModels.MaxAbsDiff(yp, layout.Permute(y, perms)) <= 1e-10);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_and_head_pass_a_float64_gradient_check(string arch, PermutationVariant variant)
    {
        var graph = TestModels.ByName(arch);
        var layout = WeightSpaceLayout.Create(graph, variant);
        var net = new NfnNetwork<double>(layout, channels: 2, layers: 1, outputs: 1, new Rng(4), headHidden: 3);
        var x = layout.Encode<double, double>(TestModels.Random(graph, 2, 1));
        var names = net.Store.Values.Keys.ToArray();
        var inputs = x.Concat(names.Select(n => net.Store.Values[n].Clone())).ToArray();
        var result = GradCheck.Run(v =>
        {
            net.Store.NewPass();
            for (int i = 0; i < names.Length; i++) net.Store.Bind(names[i], v[x.Length + i]);
            var features = net.Features(v.Take(x.Length).ToArray());
            return Ops.Concat([.. features.Select(f => Ops.Reshape(f, 2, -1)), net.Head.Forward(features)], 1);
        }, inputs);
        Assert.True(result.MaxRelativeError < 1e-6, $"{result}");
    }
}
