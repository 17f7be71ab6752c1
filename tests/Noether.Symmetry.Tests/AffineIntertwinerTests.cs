using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Sigmoid units admit sign flips when the next bias absorbs σ(−x) = 1 − σ(x) (SPEC §1, affine intertwiners).</summary>
public class AffineIntertwinerTests
{
    [Fact]
    public void SigmoidSignFlipsAreAppliedWithTheirBiasCorrection()
    {
        var graph = Builders.Mlp(5, [6, 7], 3, Activation.Sigmoid);
        Assert.All(SymmetryDeriver.Derive(graph).Factors, f => Assert.Equal(Group.Permutation(f.Channels), f.Group));
        var spec = SymmetryDeriver.Derive(graph, new DerivationOptions(AllowAffineIntertwiners: true));
        Assert.Empty(spec.Notes);
        Assert.All(spec.Factors, f => { Assert.Equal(Group.SignedPermutation(f.Channels), f.Group); Assert.Single(f.AffineShifts); });
        var model = Models.Randomised(graph, 41);
        var x = Models.Input(graph, 42, batch: 16);
        var rng = new Rng(43);
        for (int t = 0; t < 3; t++)
            Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(rng)), x).Within(1e-10));
        // Without the bias correction a flip is not a symmetry; a rescale is never one.
        var flip = MonomialElement.FromDiagonal([-1, 1, 1, 1, 1, 1]);
        var noShift = new WeightSpaceSpec(spec.ModelName, spec.Factors.Select(f => f with { AffineShifts = [] }).ToArray(), []);
        var flipOnly = new ProductElement([flip, Group.SignedPermutation(7).Identity]);
        Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, noShift, flipOnly), x).MaxRelDiff > 1e-6);
        var scale = new ProductElement([MonomialElement.FromDiagonal([2.5, 1, 1, 1, 1, 1]), Group.SignedPermutation(7).Identity]);
        Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, scale, checkMembership: false), x).MaxRelDiff > 1e-6);
        // Canonical forms account for the shift too.
        var (canon, _) = Canonicalizer.Canonicalize(model, spec);
        Assert.True(FunctionComparison.Of(model, canon, x).Within(1e-10));
        var (canonMoved, _) = Canonicalizer.Canonicalize(GroupAction.Apply(model, spec, spec.Random(rng)), spec);
        Assert.All(canon.Parameters, p => Assert.True(p.Value.MaxAbsDiff(canonMoved[p.Key]) < 1e-8, p.Key));
    }

    [Fact]
    public void AffineFlipsNeedLinearReadersWithBiases()
    {
        var graph = Builders.Mlp(5, [6], 3, Activation.Sigmoid, "layernorm"); // sigmoid output read by a Linear, input side by a norm
        var b = new Noether.Nn.GraphBuilder();
        var h = b.Activation(b.Linear(b.Input("x", 4), 5, "fc1"), Activation.Sigmoid, "act");
        var noBias = b.Build(b.Linear(h, 2, "fc2", bias: false));
        var spec = SymmetryDeriver.Derive(noBias, new DerivationOptions(AllowAffineIntertwiners: true));
        Assert.Contains(spec.Notes, n => n.Contains("act") && n.Contains("bias"));
        Assert.Equal(Group.Permutation(5), spec.Factors.Single().Group);
        Assert.NotEmpty(SymmetryDeriver.Derive(graph, new DerivationOptions(AllowAffineIntertwiners: true)).Factors);
    }
}
