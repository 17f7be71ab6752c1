using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// A concatenation along the channel axis (a U-Net's skip join, parallel branches) is the direct sum of its inputs'
/// spaces: each branch keeps its own group when the reader binds the joined axis, and nothing is claimed otherwise.
/// </summary>
public class ChannelConcatTests
{
    private static Graph Branches(bool activationAfterJoin)
    {
        var b = new GraphBuilder("concat-net");
        var x = b.Input("x", 4);
        var h1 = b.Activation(b.Linear(x, 3, "a"), Activation.Relu, "ra");
        var h2 = b.Activation(b.Linear(x, 5, "b"), Activation.Tanh, "rb");
        var cat = b.Add(new ConcatOp(0), "cat", h1, h2);
        var read = activationAfterJoin ? b.Activation(cat, Activation.Relu, "rc") : cat;
        return b.Build(b.Linear(read, 2, "head"));
    }

    [Fact]
    public void EachBranchKeepsItsGroupAndTheReaderIsBoundPiecewise()
    {
        var graph = Branches(activationAfterJoin: false);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        Assert.Equal(["a: S_3 ⋉ (R+)^3", "b: S_5 ⋉ {±1}^5"], spec.Factors.Select(f => $"{f.Name}: {f.Group.Name}"));
        var head = spec.Factors.SelectMany(f => f.Bindings).Where(bd => bd.Parameter == "head.weight").OrderBy(bd => bd.Offset).ToArray();
        Assert.Equal([(0, 3), (3, 5)], head.Select(bd => (bd.Offset, bd.Length)));

        var model = Models.Randomised(graph, 3);
        var x = Models.Input(graph, 4, batch: 32);
        for (ulong seed = 0; seed < 5; seed++)
        {
            var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(seed)));
            Assert.True(FunctionComparison.Of(model, moved, x).MaxRelDiff < 1e-10);
        }
    }

    [Fact]
    public void MovingAChannelAcrossTheJoinChangesTheFunction()
    {
        // Just outside the direct sum: swap the last unit of branch a with the first of branch b in the head's columns.
        var graph = Branches(activationAfterJoin: false);
        var model = Models.Randomised(graph, 3);
        var w = model["head.weight"].Clone();
        for (int r = 0; r < 2; r++) (w[r, 2], w[r, 3]) = (w[r, 3], w[r, 2]);
        var moved = model.WithParameters(model.Parameters.ToDictionary(p => p.Key, p => p.Key == "head.weight" ? w : p.Value));
        Assert.True(FunctionComparison.Of(model, moved, Models.Input(graph, 4, batch: 32)).MaxRelDiff > 1e-3);
    }

    [Fact]
    public void AJoinReadAsAWholeFixesItsBranches()
    {
        // A ReLU after the join would need the branches' groups intersected with its own: claimed nothing, no factor.
        var spec = SymmetryDeriver.Derive(Branches(activationAfterJoin: true));
        Assert.All(spec.Factors, f => Assert.DoesNotContain(f.Bindings, bd => bd.Parameter.StartsWith("a.") || bd.Parameter.StartsWith("b.")));
    }
}
