using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Transforms;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

public class NormFoldingTests
{
    [Fact]
    public void FoldedRmsNormTransformerAdmitsOrthogonalResidualStream()
    {
        var graph = Builders.Transformer(4, 3, 3, model: 8, heads: 4, kvHeads: 2, layers: 2, norm: "rmsnorm", activation: Activation.Silu);
        var model = Models.Randomised(graph, 31);
        var x = Models.Input(graph, 32);
        var before = SymmetryDeriver.Derive(graph);
        Assert.Contains(DiagonalKind.Sign, ((ChannelGroup)before["embed"].Group).SegmentDiagonals); // the stream: signed permutations only
        var folded = NormFolding.FoldRmsNormGains(model);
        Assert.True(FunctionComparison.Of(model, folded, x).Within(1e-12), "folding changed the function");
        var spec = SymmetryDeriver.Derive(folded.Graph);
        Assert.Equal(Group.Orthogonal(8), spec["embed"].Group);
        var rng = new Rng(33);
        for (int t = 0; t < 3; t++)
            Assert.True(FunctionComparison.Of(folded, GroupAction.Apply(folded, spec, spec.Random(rng)), x).Within(1e-10));
        // O(d) is exactly right: a non-orthogonal map of the stream changes the function.
        var stretch = Tensor<double>.Eye(8); stretch[0, 0] = 1.5; stretch[1, 0] = 0.3;
        var element = new ProductElement(spec.Factors.Select(f => f.Name == "embed" ? new MatrixElement(stretch) : f.Group.Identity).ToArray());
        Assert.True(FunctionComparison.Of(folded, GroupAction.Apply(folded, spec, element, checkMembership: false), x).MaxRelDiff > 1e-6);
        // The O(d) stream canonicalises too: canon(g·θ) = canon(θ) for g in the whole group, O(d) included.
        var (canon, steps) = Canonicalizer.Canonicalize(folded, spec);
        Assert.DoesNotContain(steps, s => s.Action.StartsWith("left as is"));
        Assert.True(FunctionComparison.Of(folded, canon, x).Within(1e-10));
        for (int t = 0; t < 3; t++)
        {
            var (again, _) = Canonicalizer.Canonicalize(GroupAction.Apply(folded, spec, spec.Random(rng)), spec);
            Assert.All(canon.Parameters, p => Assert.True(p.Value.MaxAbsDiff(again[p.Key]) < 1e-7, $"{p.Key}: {p.Value.MaxAbsDiff(again[p.Key]):E2}"));
        }
    }

    [Fact]
    public void FoldingRefusesReadersThatCannotAbsorbTheGain()
    {
        var b = new Noether.Nn.GraphBuilder();
        var h = b.RmsNorm(b.Input("x", 4), "norm");
        var graph = b.Build(b.Linear(b.Activation(h, Activation.Relu, "act"), 2, "head"));
        var e = Assert.Throws<NotSupportedException>(() => NormFolding.FoldRmsNormGains(Models.Randomised(graph, 1)));
        Assert.Contains("'act'", e.Message);
    }
}
