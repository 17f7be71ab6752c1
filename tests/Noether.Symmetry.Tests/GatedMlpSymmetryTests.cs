using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// SwiGLU / GeGLU: down(act(gate·x) ⊙ up·x). Gate and up units share one permutation; up units also admit nonzero
/// scalings, absorbed by down's columns. Both ways: a random element keeps the function; rescaling gate rows the
/// same way (just outside) changes it.
/// </summary>
public class GatedMlpSymmetryTests
{
    private static Graph SwiGlu(string activation)
    {
        var b = new GraphBuilder("swiglu");
        var x = b.Input("input", 4, 6);
        var gate = b.Activation(b.Linear(x, 8, "gate_proj", bias: false), Activation.Parse(activation), "act");
        var up = b.Linear(x, 8, "up_proj", bias: false);
        var h = b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), "mul", gate, up);
        return b.Build(b.Linear(h, 6, "down_proj", bias: false));
    }

    [Theory]
    [InlineData("silu")]
    [InlineData("gelu")]
    [InlineData("relu")]
    public void UpUnitsScaleGateUnitsOnlyPermuteAndTheFunctionStays(string activation)
    {
        var graph = SwiGlu(activation);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        var hidden = spec.Factors.Single(f => f.Bindings.Any(b => b.Parameter == "up_proj.weight"));
        Assert.Contains(hidden.Bindings, b => b.Parameter == "gate_proj.weight");
        Assert.Contains(hidden.Bindings, b => b.Parameter == "down_proj.weight");
        var upSegment = hidden.Bindings.Single(b => b.Parameter == "up_proj.weight").Segment;
        var gateSegment = hidden.Bindings.Single(b => b.Parameter == "gate_proj.weight").Segment;
        Assert.NotEqual(upSegment, gateSegment);
        var group = Assert.IsType<ChannelGroup>(hidden.Group);
        Assert.True(group.Permutations);
        var model = Models.Randomised(graph, 1);
        var x = Tensor<double>.RandomNormal(new Rng(2), 5, 4, 6);
        for (ulong s = 0; s < 5; s++)
        {
            var element = spec.Random(new Rng(s));
            var moved = GroupAction.Apply(model, spec, element);
            Assert.True(FunctionComparison.Of(model, moved, x).Within(1e-9));
            // The up projection really is rescaled, not only permuted.
            Assert.True(RowNormsChanged(model["up_proj.weight"], moved["up_proj.weight"]));
        }
        // Just outside: let the gate's rows take the same scaling as the up rows.
        var outside = hidden with
        {
            Bindings = hidden.Bindings.Select(b => b.Parameter == "gate_proj.weight" ? b with { Segment = upSegment } : b).ToList(),
        };
        var wrong = spec with { Factors = spec.Factors.Select(f => f == hidden ? outside : f).ToList() };
        var off = GroupAction.Apply(model, wrong, spec.Random(new Rng(9)));
        Assert.True(FunctionComparison.Of(model, off, x).MaxRelDiff > 1e-3);
    }

    /// <summary>Whether the sorted row norms differ (a permutation alone keeps them).</summary>
    private static bool RowNormsChanged(Tensor<double> a, Tensor<double> b)
    {
        double[] Norms(Tensor<double> w) => Enumerable.Range(0, w.Dim(0))
            .Select(i => Math.Sqrt(Enumerable.Range(0, w.Dim(1)).Sum(j => w[i, j] * w[i, j]))).Order().ToArray();
        return Norms(a).Zip(Norms(b)).Any(p => Math.Abs(p.First - p.Second) > 1e-6);
    }
}
