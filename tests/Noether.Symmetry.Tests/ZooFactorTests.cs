using Noether.IO;
using Noether.IO.Tests.OnnxZoo;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// The zoo's PyTorch exports (issue 12, must-show 1): each model's derived factors are stated here, a random element
/// of the derived group keeps the function, and one step outside each factor changes it (ONNX Runtime confirms the
/// random element after write-back in the CLI's ZooVerbTests; attention models are stated in ZooSymmetryTests).
/// </summary>
public class ZooFactorTests
{
    /// <summary>Expected (factor name, group) of the exports without attention, in derivation order.</summary>
    public static TheoryData<string, string[]> Expected() => new()
    {
        { "mlp_plain", ["net.0: S_24 ⋉ (R+)^24", "net.2: S_24 ⋉ {±1}^24"] },
        // Clip(−1, 1) is odd: sign flips; ReLU6-like clips (0, 6) and hard-sigmoid allow permutations only.
        { "mlp_clip", ["l1: S_16 ⋉ {±1}^16", "l2: S_16", "l3: S_16"] },
        { "mlp_gelu_tanh", ["net.0: S_24", "net.2: S_24"] },
        { "resnet_tiny", ["stem.stem.0.Conv: S_8 ⋉ (R+)^8", "block.block.0.Conv: S_8 ⋉ (R+)^8"] },
        // Expansions behind ReLU6/hard-swish admit permutations; each linear bottleneck read only by a 1×1 conv is GL.
        { "mobilenetv2", ["features.features.0.Conv: S_8", "features.features.3.conv.conv.0.Conv: S_16",
            "features.features.4.conv.conv.0.Conv: S_24", "features.features.4.conv.conv.6.Conv: GL(12)",
            "features.features.5.conv.conv.0.Conv: S_36", "features.features.6.conv.conv.0.Conv: S_36",
            "features.features.6.conv.conv.6.Conv: GL(16)", "features.features.7.Conv: S_32"] },
        // Skip joins (channel concatenations) keep each encoder space; the transposed conv's output is read by one
        // conv only (GL); bilinear and nearest upsampling act within channels.
        { "unet", ["enc1.0: S_8 ⋉ (R+)^8", "enc1.2: S_8 ⋉ (R+)^8", "enc2.0: S_12 ⋉ (R+)^12", "enc2.2: S_12 ⋉ (R+)^12",
            "enc3.0: S_16 ⋉ (R+)^16", "enc3.2: S_16 ⋉ (R+)^16", "up3: GL(12)", "dec2.0: S_12 ⋉ (R+)^12",
            "dec2.2: S_12 ⋉ (R+)^12", "dec1.0: S_8 ⋉ (R+)^8", "dec1.2: S_8 ⋉ (R+)^8"] },
        { "lstm", ["rnn.LSTM: S_12 ⋉ {±1}^12", "rnn.LSTM_1: S_12 ⋉ {±1}^12"] },
        // Each direction's hidden units are a space of their own: the Reshape that lays them side by side as
        // [T, 2H] is a channel concatenation, and the head's columns bind each direction's stretch.
        { "gru", ["rnn.GRU[forward]: S_10 ⋉ {±1}^10", "rnn.GRU[reverse]: S_10 ⋉ {±1}^10"] },
    };

    [Theory, MemberData(nameof(Expected))]
    public void DerivesExactlyTheStatedFactorsWithoutNotes(string name, string[] expected)
    {
        var spec = SymmetryDeriver.Derive(OnnxImporter.Load<double>(ZooManifest.PathOf(ZooManifest.Get(name).File)).Graph);
        Assert.Equal(expected, spec.Factors.Select(f => $"{f.Name}: {f.Group.Name}"));
        Assert.Empty(spec.Notes);
    }

    /// <summary>
    /// The golden inputs, and for float inputs also 64 samples of N(0, 3²): a step outside a clip's or ReLU6's group
    /// shows only where some unit leaves the linear range.
    /// </summary>
    private static Tensor<double>[] Probe(Noether.Nn.Model<double> model, ZooModel zoo)
    {
        var golden = ZooDriver.Inputs(model, zoo);
        if (model.Graph.Inputs.Any(i => i.ElementType is not null || i.BatchAxis != 0)) return golden;
        var rng = new Rng(5);
        return golden.Select((g, k) =>
        {
            var wide = Tensor<double>.RandomNormal(rng, [64, .. model.Graph.Inputs[k].Shape]).ToArray().Select(v => 3 * v);
            var all = g.Contiguous().ToArray().Concat(wide).ToArray();
            return new Tensor<double>(all, [g.Dim(0) + 64, .. model.Graph.Inputs[k].Shape]);
        }).ToArray();
    }

    [Fact]
    public void ADataDependentBranchFixesWhatItTouchesAndSaysSo()
    {
        // if_branch: an ONNX If on the input's mean; its condition's ops are opaque, and the branches read the input.
        var spec = SymmetryDeriver.Derive(OnnxImporter.Load<double>(ZooManifest.PathOf(ZooManifest.Get("if_branch").File)).Graph);
        Assert.Empty(spec.Factors);
        Assert.Contains(spec.Notes, n => n.Contains("opaque ONNX op If", StringComparison.Ordinal) || n.Contains("opaque ONNX op ReduceMean", StringComparison.Ordinal));
    }

    public static TheoryData<string> Generated() => new(ZooManifest.Models.Where(m => m.Kind == "generated").Select(m => m.Name));

    [Theory, MemberData(nameof(Generated))]
    public void ARandomElementKeepsTheFunctionAndOneStepOutsideEachFactorChangesIt(string name)
    {
        var zoo = ZooManifest.Get(name);
        var model = ZooDriver.LoadAtGoldenSizes<double>(zoo);
        if (model.Graph.Nodes.Any(n => n.Op is Noether.Nn.Operations.OpaqueOp)) return; // ONNX Runtime's part: ZooVerbTests
        var spec = SymmetryDeriver.Derive(model.Graph);
        var x = Probe(model, zoo);
        var kept = FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(new Rng(11))), x);
        Assert.True(kept.MaxRelDiff < 1e-8, $"{name}: a random element changed the function by {kept.MaxRelDiff:E2}");
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var f = spec.Factors[i];
            if (DerivationTests.Outside(f) is not { } outside) continue; // GL factors: maximal among linear maps
            Assert.False(f.Group.Contains(outside));
            var element = new ProductElement(spec.Factors.Select((g, j) => j == i ? outside : g.Group.Identity).ToArray());
            var moved = GroupAction.Apply(model, spec, element, checkMembership: false);
            var cmp = FunctionComparison.Of(model, moved, x);
            Assert.True(cmp.MaxRelDiff > 1e-6, $"{name}: {outside} outside {f.Name} ({f.Group.Name}) kept the function ({cmp.MaxRelDiff:E2}): the derived group is too small");
        }
    }
}
