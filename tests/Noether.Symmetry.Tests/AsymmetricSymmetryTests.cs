using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// Asymmetric networks (issue 15) both ways: the deriver finds the trivial group for W- and σ-asymmetric MLPs and CNNs
/// and says why, and an element of the standard model's group — applied to the trainable entries, frozen entries
/// keeping their fixed values — preserves the standard model's function but changes the asymmetric model's.
/// </summary>
public class AsymmetricSymmetryTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "mlp", "w" }, { "mlp", "sigma" }, { "cnn", "w" }, { "cnn", "sigma" }, { "mlp-layernorm", "w" }, { "resnet", "w" },
    };

    private static Graph Standard(string family) => family switch
    {
        "mlp" => Builders.Mlp(6, [12, 10], 4),
        "mlp-layernorm" => Builders.Mlp(6, [12, 10], 4, Activation.Gelu, "layernorm"),
        "cnn" => Builders.SmallCnn([2, 8, 8], [6, 8], 5, hidden: 10),
        _ => Builders.ResNet20([3, 8, 8], 4, width: 4, blocksPerStage: 1),
    };

    [Theory, MemberData(nameof(Cases))]
    public void TheAsymmetricModelHasTheTrivialGroupAndTheStandardElementBreaksIt(string family, string kind)
    {
        var standard = Standard(family);
        var asymGraph = new Asymmetry(Asymmetry.ParseKind(kind), FrozenPerRow: 4, Kappa: 1, Seed: 3).Apply(standard);
        var spec = SymmetryDeriver.Derive(standard);
        Assert.NotEmpty(spec.Factors);
        Assert.Contains(spec.Factors, f => !f.Group.IsTrivial);

        // The deriver: nothing left, and a reason per asymmetric layer naming the certificate.
        var asymSpec = SymmetryDeriver.Derive(asymGraph);
        Assert.Empty(asymSpec.Factors);
        string marker = kind == "w" ? "W-asymmetric" : "FiGLU";
        int layers = asymGraph.Nodes.Count(n => kind == "w" ? n.Op is LinearOp { Frozen: not null } or Conv2dOp { Frozen: not null } : n.Op is FigluOp);
        Assert.True(asymSpec.Notes.Count(n => n.Contains(marker) && n.EndsWith("trivial")) >= layers, string.Join("\n", asymSpec.Notes));

        // Both ways: the standard model's element on the standard model and on the asymmetric one (same parameter names).
        var x = Models.Input(standard, 8, batch: 12);
        var rng = new Rng(9);
        var std = Models.Randomised(standard, 5);
        var asym = Models.Randomised(asymGraph, 5);
        FrozenWeight.Restore(asym);
        for (int t = 0; t < 3; t++)
        {
            var g = spec.Random(rng);
            Assert.True(FunctionComparison.Of(std, GroupAction.Apply(std, spec, g), x).Within(1e-9), $"standard {family}: element {t} is not a symmetry");
            var moved = GroupAction.Apply(asym, spec, g);
            FrozenWeight.Restore(moved); // frozen entries keep their fixed values (the forward pass enforces it anyway)
            var diff = FunctionComparison.Of(asym, moved, x).MaxRelDiff;
            Assert.True(diff > 1e-3, $"asymmetric {family}/{kind}: element {t} changed the function by only {diff:E2}");
        }
    }

    [Fact]
    public void TeleportationAndNormFoldingRefuseWAsymmetricLayers()
    {
        var standard = Builders.Mlp(5, [6, 6], 3, Activation.LeakyRelu(0.1));
        var asym = new Asymmetry(AsymmetryKind.W, FrozenPerRow: 2, Seed: 1).Apply(standard);
        Assert.NotEmpty(Noether.Symmetry.Teleportation.TeleportPairFinder.Find(standard).Pairs);
        var search = Noether.Symmetry.Teleportation.TeleportPairFinder.Find(asym);
        Assert.Empty(search.Pairs);
        Assert.Contains(search.Rejected, r => r.Contains("W-asymmetric"));

        var b = new GraphBuilder("rms");
        var x = b.Input("x", 4);
        var h = b.Add(new LinearOp(4, 4, Frozen: new FrozenWeights(1, 1, 2)), "fc", b.RmsNorm(x, "norm"));
        var model = Models.Randomised(b.Build(h), 3);
        var e = Assert.Throws<NotSupportedException>(() => Noether.Symmetry.Transforms.NormFolding.FoldRmsNormGains(model));
        Assert.Contains("W-asymmetric", e.Message);
    }
}
