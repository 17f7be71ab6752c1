using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

public class CanonicalizerTests
{
    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var act in new[] { "relu", "leaky_relu(0.1)", "tanh", "abs", "gelu", "identity" }) d.Add("mlp", act);
        d.Add("mlp-layernorm", "relu"); d.Add("mlp-batchnorm", "tanh"); d.Add("cnn", "relu"); d.Add("resnet20", "relu");
        d.Add("transformer", "gelu"); d.Add("transformer-rms-gqa", "silu");
        return d;
    }

    private static double MaxParameterDiff(Noether.Nn.Model<double> a, Noether.Nn.Model<double> b)
        => a.Parameters.Max(p => p.Value.MaxAbsDiff(b[p.Key]) / Math.Max(1, p.Value.Abs().Max()));

    [Theory, MemberData(nameof(Cases))]
    public void CanonicalFormIsOrbitInvariantIdempotentAndFunctionPreserving(string family, string activation)
    {
        var graph = Models.Build(family, activation);
        var spec = SymmetryDeriver.Derive(graph);
        var model = Models.Randomised(graph, 11);
        var (canon, steps) = Canonicalizer.Canonicalize(model, spec);
        Assert.Equal(spec.Factors.Count, steps.Count);
        var x = Models.Input(graph, 12);
        Assert.True(FunctionComparison.Of(model, canon, x).Within(1e-9), $"{family}/{activation}: canonicalisation changed the function");
        var (again, _) = Canonicalizer.Canonicalize(canon, spec);
        Assert.True(MaxParameterDiff(canon, again) < 1e-9, $"{family}/{activation}: not idempotent ({MaxParameterDiff(canon, again):E2})");
        var rng = new Rng(13);
        // Factors the canonicaliser reports as left free are not expected to be fixed: move only the others.
        var free = steps.Select(s => s.Action.StartsWith("left as is")).ToArray();
        for (int t = 0; t < 3; t++)
        {
            var g = spec.Random(rng);
            var element = new Noether.Symmetry.Groups.ProductElement(g.Factors.Select((e, i) => free[i] ? spec.Factors[i].Group.Identity : e).ToArray());
            var moved = GroupAction.Apply(model, spec, element);
            var (canonMoved, _) = Canonicalizer.Canonicalize(moved, spec);
            double diff = MaxParameterDiff(canon, canonMoved);
            Assert.True(diff < 1e-7, $"{family}/{activation}: canon(g·θ) differs from canon(θ) by {diff:E2}\n{string.Join("\n", steps)}");
        }
        // Distinct orbits stay distinct: another model has another canonical form.
        var (other, _) = Canonicalizer.Canonicalize(Models.Randomised(graph, 99), spec);
        Assert.True(MaxParameterDiff(canon, other) > 1e-3);
    }
}
