using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Symmetry.Tests;

/// <summary>An elementwise op the deriver has no rule for (it happens to be x ↦ x³ − x, which has no scaling symmetry).</summary>
public sealed record MysteryOp : Op
{
    public override string Kind => "Mystery";
    public override int[] InferShape(IReadOnlyList<int[]> inputs) => inputs[0];
    public override Variable<T> Forward<T>(OpContext<T> context, IReadOnlyList<Variable<T>> inputs) => Ops.Pow(inputs[0], T.CreateChecked(3)) - inputs[0];
    public override string Describe() => "Mystery";
}

public class UnsupportedGraphTests
{
    private static Graph WithMystery()
    {
        var b = new GraphBuilder("mystery-net");
        var x = b.Input("x", 4);
        var h = b.Linear(x, 6, "fc1");
        h = b.Add(new MysteryOp(), "odd", h);
        h = b.Linear(h, 5, "fc2");
        h = b.Activation(h, Activation.Relu, "act");
        return b.Build(b.Linear(h, 2, "fc3"));
    }

    [Fact]
    public void UnknownOpsFixTheSpacesTheyTouchAndAreNamed()
    {
        var spec = SymmetryDeriver.Derive(WithMystery());
        var note = Assert.Single(spec.Notes);
        Assert.Contains("odd", note); Assert.Contains("Mystery", note);
        // The space around the unknown op gets no symmetry; the ReLU space further on keeps P·D.
        Assert.DoesNotContain(spec.Factors, f => f.Name == "fc1");
        Assert.Equal("S_5 ⋉ (R+)^5", spec["fc2"].Group.Name);
        var model = Models.Randomised(WithMystery(), 1);
        var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(2)));
        Assert.True(FunctionComparison.Of(model, moved, Tensor<double>.RandomNormal(new Rng(3), 8, 4)).Within(1e-10));
    }

    [Fact]
    public void StrictModeRefusesUnknownOpsByName()
    {
        var e = Assert.Throws<UnsupportedGraphException>(() => SymmetryDeriver.Derive(WithMystery(), new DerivationOptions(Strict: true)));
        Assert.Contains("'odd' (Mystery)", e.Message);
    }
}
