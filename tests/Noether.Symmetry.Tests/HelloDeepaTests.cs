using Noether.IO;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// A real pretrained model no one here wrote (openWakeWord's hello_deepa, Apache-2.0):
/// Gemm(2400→32) → LayerNorm → ReLU → Gemm(32→32) → LayerNorm → ReLU → Gemm(32→1) → Sigmoid.
/// Its right group: per hidden layer one permutation shared across the LayerNorm, no scaling before it (LayerNorm
/// normalises it away) and a positive diagonal after it (γ, β absorb it; ReLU allows only positive scales).
/// </summary>
public class HelloDeepaTests
{
    private static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "data", "hello_deepa.onnx");

    [Fact]
    public void RealModelGetsItsExactGroup()
    {
        var model = OnnxImporter.Load<double>(Path);
        var spec = SymmetryDeriver.Derive(model.Graph);
        Assert.Empty(spec.Notes);
        Assert.Equal(2, spec.Factors.Count);
        Assert.All(spec.Factors, f => Assert.Equal(new ChannelGroup(32, true, [DiagonalKind.None, DiagonalKind.Positive]), f.Group));
        Assert.Equal(64, spec.ContinuousDimension);
        Assert.Equal(2 * Group.Log10Factorial(32), spec.Log10FiniteOrder, 9);

        var rng = new Rng(7);
        var x = Tensor<double>.RandomNormal(rng, [16, .. model.Graph.Inputs[0].Shape]);
        for (int t = 0; t < 3; t++)
        {
            var moved = GroupAction.Apply(model, spec, spec.Random(rng));
            Assert.True(FunctionComparison.Of(model, moved, x).Within(1e-10));
        }
        // Too large would be wrong too: a step outside each factor changes the output.
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var outside = DerivationTests.Outside(spec.Factors[i])!;
            var element = new ProductElement(spec.Factors.Select((f, j) => j == i ? outside : f.Group.Identity).ToArray());
            var cmp = FunctionComparison.Of(model, GroupAction.Apply(model, spec, element, checkMembership: false), x);
            Assert.True(cmp.MaxRelDiff > 1e-6, $"{outside} outside {spec.Factors[i]} kept the output ({cmp.MaxRelDiff:E2})");
        }
        // Scaling a channel before the LayerNorm (what a ReLU-only analysis would allow) is not a symmetry here.
        var before = Enumerable.Repeat(1.0, 32).ToArray(); before[3] = 2;
        var wrong = new ProductElement(spec.Factors.Select((f, j) => j == 0
            ? new ChannelElement(Enumerable.Range(0, 32).ToArray(), [before, before]) : f.Group.Identity).ToArray());
        Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, wrong, checkMembership: false), x).MaxRelDiff > 1e-6);

        var (canon, _) = Canonicalizer.Canonicalize(model, spec);
        var (canonMoved, _) = Canonicalizer.Canonicalize(GroupAction.Apply(model, spec, spec.Random(rng)), spec);
        Assert.All(canon.Parameters, p => Assert.True(p.Value.MaxAbsDiff(canonMoved[p.Key]) < 1e-8, p.Key));
        Assert.True(FunctionComparison.Of(model, canon, x).Within(1e-10));
    }
}
