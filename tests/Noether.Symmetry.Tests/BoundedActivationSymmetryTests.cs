using Noether.IO;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// Clip/ReLU6, HardSigmoid, HardSwish and tanh-GELU are not positively homogeneous: the deriver keeps permutations
/// (and the sign flips of odd clips) but never claims a rescaling through them.
/// </summary>
public class BoundedActivationSymmetryTests
{
    private const int N = 6;

    [Fact]
    public void IntertwinerTable()
    {
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.Relu6, N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.Clip(-1, 2), N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.Clip(double.NegativeInfinity, 0.5), N).Group);
        Assert.Equal(Group.SignedPermutation(N), IntertwinerGroups.Of(Activation.Clip(-1, 1), N).Group);
        Assert.Equal(Group.Monomial(N), IntertwinerGroups.Of(Activation.Clip(0, double.PositiveInfinity), N).Group);
        Assert.Equal(Group.Monomial(N), IntertwinerGroups.Of(Activation.Clip(double.NegativeInfinity, 0), N).Group);
        Assert.Equal(Group.GeneralLinear(N), IntertwinerGroups.Of(Activation.Clip(double.NegativeInfinity, double.PositiveInfinity), N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.HardSwish, N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.GeluTanh, N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.HardSigmoid(1 / 6.0, 0.5), N).Group);
        var affine = IntertwinerGroups.Of(Activation.HardSigmoid(1 / 6.0, 0.5), N, allowAffine: true);
        Assert.Equal((Group.SignedPermutation(N), 1.0), (affine.Group, affine.AffineOffset!.Value));
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.HardSigmoid(0.2, 0.3), N, allowAffine: true).Group);
    }

    [Theory]
    [InlineData("relu6")]
    [InlineData("clip(-1,1)")]
    [InlineData("clip(-inf,0.5)")]
    [InlineData("hard_sigmoid(0.2,0.5)")]
    [InlineData("hard_swish")]
    [InlineData("gelu_tanh")]
    public void NoPositiveRescalingIntertwines(string name)
    {
        var act = Activation.Parse(name);
        var rng = new Rng(11);
        foreach (var scale in new[] { 2.5, 0.4 })
        {
            double worst = 0;
            for (int t = 0; t < 50; t++)
            {
                double x = 4 * rng.NextNormal();
                // A positive rescaling D is a symmetry only if σ(d·x) = d·σ(x) for every x.
                worst = Math.Max(worst, Math.Abs(act.Evaluate(scale * x) - scale * act.Evaluate(x)));
            }
            Assert.True(worst > 1e-2, $"{name}: σ({scale}x) = {scale}σ(x) on every sample");
        }
    }

    [Fact]
    public void Relu6MlpHasPermutationsButNoScalings()
    {
        var graph = Builders.Mlp(5, [6, 7], 3, Activation.Relu6);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        Assert.Equal(2, spec.Factors.Count);
        Assert.All(spec.Factors, f => Assert.Equal(Group.Permutation(f.Channels), f.Group));
        var model = Models.Randomised(graph, 21);
        // Inputs large enough that some units pass 6 (and 3, where a doubling would start to clip).
        var x = Models.Input(graph, 22, batch: 32) * 4.0;
        var rng = new Rng(23);
        for (int t = 0; t < 3; t++)
            Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(rng)), x).Within(1e-10));
        foreach (var d in new[] { 2.0, 0.5 })
        {
            var scaling = new ProductElement([MonomialElement.FromDiagonal([d, 1, 1, 1, 1, 1]), Group.Permutation(7).Identity]);
            Assert.False(spec.Factors[0].Group.Contains(scaling.Factors[0]));
            var moved = GroupAction.Apply(model, spec, scaling, checkMembership: false);
            Assert.True(FunctionComparison.Of(model, moved, x).MaxRelDiff > 1e-6, $"scaling a ReLU6 unit by {d} left the function unchanged");
        }
        // The same network with ReLU keeps its positive rescalings.
        Assert.All(SymmetryDeriver.Derive(Builders.Mlp(5, [6, 7], 3, Activation.Relu)).Factors, f => Assert.Equal(Group.Monomial(f.Channels), f.Group));
    }

    [Fact]
    public void Relu6WrittenAsOnnxClipAndImportedDerivesPermutationsOnly()
    {
        var graph = Builders.Mlp(4, [5], 2, Activation.Relu6);
        var model = Noether.Nn.Model<double>.Initialize(graph, new Rng(41));
        var dir = Directory.CreateTempSubdirectory("noether-relu6-");
        try
        {
            var path = Path.Combine(dir.FullName, "relu6.onnx");
            OnnxExporter.Save(model, path); // ReLU6 is written as ONNX Clip with min and max inputs
            var back = OnnxImporter.Load<double>(path);
            Assert.Contains(back.Graph.Nodes, n => n.Op == new ActivationOp(Activation.Relu6));
            Assert.Equal(Group.Permutation(5), Assert.Single(SymmetryDeriver.Derive(back.Graph).Factors).Group);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void HardSigmoidSignFlipsAreAffineLikeSigmoids()
    {
        var graph = Builders.Mlp(5, [6], 3, Activation.HardSigmoid(1 / 6.0, 0.5));
        var spec = SymmetryDeriver.Derive(graph, new DerivationOptions(AllowAffineIntertwiners: true));
        Assert.Empty(spec.Notes);
        var f = Assert.Single(spec.Factors);
        Assert.Equal(Group.SignedPermutation(6), f.Group);
        var model = Models.Randomised(graph, 31);
        var x = Models.Input(graph, 32, batch: 16) * 4.0;
        var rng = new Rng(33);
        for (int t = 0; t < 3; t++)
            Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(rng)), x).Within(1e-10));
    }
}
