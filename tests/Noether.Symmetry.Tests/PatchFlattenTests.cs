using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// A reshape that regroups the axes around the channel axis (ViT's patch embedding: conv [C, H, W] → flatten(2) →
/// [C, H·W] → tokens [H·W, C]) keeps the channel space; one that splits channels does not.
/// </summary>
public class PatchFlattenTests
{
    private static Graph Vit(int[] reshape)
    {
        var b = new GraphBuilder("patches");
        var x = b.Input("input", 3, 8, 8);
        var p = b.Conv2d(x, 6, 4, stride: 4, nodeName: "patch_embed");            // [6, 2, 2]
        var flat = b.Add(new ReshapeOp(reshape), "flatten", p);
        var tokens = reshape.Length == 2 && reshape[0] == 6 ? b.Add(new TransposeOp([1, 0]), "tokens", flat) : flat;
        var h = b.Activation(b.Linear(tokens, 5, "fc1"), Activation.Relu, "act");
        var pooled = b.Add(new ReduceMeanOp(0), "pool", h);
        return b.Build(b.Linear(pooled, 2, "head"));
    }

    [Fact]
    public void FlattenedPatchesKeepTheEmbeddingChannelsAndARandomElementKeepsTheFunction()
    {
        var graph = Vit([6, 4]);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        var embed = spec.Factors.Single(f => f.Bindings.Any(b => b.Parameter == "patch_embed.weight"));
        Assert.Contains(embed.Bindings, b => b.Parameter == "fc1.weight" && b.Rule == AxisRule.Contravariant);
        Assert.Equal("GL(6)", embed.Group.Name);
        var model = Models.Randomised(graph, 1);
        var x = Tensor<double>.RandomNormal(new Rng(2), 4, 3, 8, 8);
        var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(3)));
        Assert.True(FunctionComparison.Of(model, moved, x).Within(1e-9));
    }

    [Fact]
    public void AReshapeThatSplitsChannelsFixesThem()
    {
        // [6, 2, 2] → [3, 8]: channels 0–5 are split across rows; the embedding space is pinned, with a note.
        var spec = SymmetryDeriver.Derive(Vit([3, 8]));
        Assert.Contains(spec.Notes, n => n.Contains("splits or merges the channel axis"));
        Assert.DoesNotContain(spec.Factors, f => f.Bindings.Any(b => b.Parameter == "patch_embed.weight"));
    }
}
