using Noether.Alignment.Similarity;
using Noether.Alignment.Tests.Matching;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Similarity;

/// <summary>Similarity of real networks' hidden features, and the default measure chosen from the derived group.</summary>
public class NetworkTests
{
    private static Dataset RandomData(int[] shape, int n, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var x = Tensor<double>.RandomNormal(rng, [n, .. shape]).ToArray().Select(v => (float)v).ToArray();
        return new Dataset("random", x, shape, Enumerable.Range(0, n).Select(i => i % classes).ToArray(), classes);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void GReluProcrustesIsOneBetweenANetworkAndItsPDCopyWhileOrthogonalProcrustesIsNot(string family)
    {
        var graph = OrbitRecoveryTests.Build(family);
        var spec = SymmetryDeriver.Derive(graph);
        var a = OrbitRecoveryTests.Randomised(graph, 1);
        var b = GroupAction.Apply(a, spec, spec.Random(new Rng(2)));
        var data = RandomData(graph.Inputs[0].Shape.ToArray(), 64, 3, 3);
        var layers = RepresentationLayers.Of(graph, spec);
        Assert.NotEmpty(layers);
        var names = layers.Select(l => l.Value).ToArray();
        var options = new SimilarityOptions { LayersA = names, LayersB = names, BatchSize = 16 };
        var grelu = RepresentationSimilarity.Compare(a, b, data, options with { Measure = SimilarityMeasure.GReluProcrustes });
        var orth = RepresentationSimilarity.Compare(a, b, data, options with { Measure = SimilarityMeasure.Procrustes });
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal("grelu-procrustes", layers[i].DefaultMeasure.Name);
            Assert.True(Math.Abs(grelu[i, i].Value - 1) < 1e-6, $"{family} {names[i]}: G_ReLU-Procrustes {grelu[i, i].Value:R}");
            Assert.True(orth[i, i].Value < 0.99, $"{family} {names[i]}: orthogonal Procrustes {orth[i, i].Value:R} should see the scaling");
        }
    }

    [Fact]
    public void TheDefaultMeasureFollowsTheDerivedGroup()
    {
        string Default(Graph g) => RepresentationLayers.Of(g)[0].DefaultMeasure.Name;
        Assert.Equal("grelu-procrustes", Default(Builders.Mlp(5, [6], 3)));
        Assert.Equal("grelu-cka", Default(Builders.Mlp(5, [6], 3, Activation.Tanh)));
        Assert.Equal("perm-procrustes", Default(Builders.Mlp(5, [6], 3, Activation.Gelu)));
        Assert.Equal("procrustes", SimilarityMeasure.For(new OrthogonalGroup(4)).Name);
        Assert.Equal("cka", SimilarityMeasure.For(new GeneralLinearGroup(4)).Name);
        Assert.Equal("perm-procrustes", SimilarityMeasure.For(new MonomialGroup(4, false, DiagonalKind.None)).Name);
        Assert.Contains("trivial", SimilarityMeasure.Why(new MonomialGroup(4, false, DiagonalKind.None)));
    }

    [Fact]
    public void DefaultLayersAreTheActivationOutputsAndCrossResolutionPairsArePooled()
    {
        var graph = Builders.SmallCnn([2, 8, 8], [3, 4], 3, hidden: 5);
        var layers = RepresentationLayers.Of(graph);
        Assert.Equal(["features.1", "features.4", "classifier.1"], layers.Select(l => l.Value));
        var a = OrbitRecoveryTests.Randomised(graph, 1);
        var b = OrbitRecoveryTests.Randomised(graph, 2);
        var table = RepresentationSimilarity.Compare(a, b, RandomData([2, 8, 8], 20, 3, 4), new SimilarityOptions { Measure = SimilarityMeasure.Cka });
        Assert.Equal(9, table.Entries.Count);
        Assert.False(table[0, 0].Pooled);
        Assert.True(table[0, 1].Pooled);
        Assert.All(table.Entries, e => Assert.InRange(e.Value, 0, 1 + 1e-9));
    }

    [Fact]
    public void UnknownLayersAndMismatchedInputsAreNamed()
    {
        var a = OrbitRecoveryTests.Randomised(Builders.Mlp(5, [6], 3), 1);
        var b = OrbitRecoveryTests.Randomised(Builders.Mlp(4, [6], 3), 2);
        var data = RandomData([5], 10, 3, 1);
        var e = Assert.Throws<ArgumentException>(() => RepresentationSimilarity.Compare(a, a, data, new SimilarityOptions { LayersA = ["nope"], NameA = "a.onnx" }));
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("a.onnx", e.Message);
        Assert.Contains("layers.1", e.Message);
        var s = Assert.Throws<ShapeMismatchException>(() => RepresentationSimilarity.Compare(a, b, data, new SimilarityOptions { NameA = "a.onnx", NameB = "b.onnx" }));
        Assert.Contains("a.onnx and b.onnx", s.Message);
        Assert.Contains("[5]", s.Message);
        Assert.Contains("[4]", s.Message);
    }
}
