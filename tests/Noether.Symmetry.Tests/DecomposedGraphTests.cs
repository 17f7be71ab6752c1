using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Graphs as exporters write them (norms and biases as primitive ops) derive the same group as the built-in ops.</summary>
public class DecomposedGraphTests
{
    /// <summary>Linear(no bias) + bias → LayerNorm written out as ReduceMean/Sub/Mul/ReduceMean/+ε/√/Div/·γ/+β → ReLU → Linear.</summary>
    private static Graph Decomposed(int inputs, int hidden, int outputs)
    {
        var b = new GraphBuilder("decomposed");
        var x = b.Input("x", inputs);
        var h = b.Linear(x, hidden, "fc1", bias: false);
        h = b.Add(new ParameterBinaryOp(BinaryFunction.Add, [hidden], Role: "bias"), "fc1_bias", h);
        var mean = b.Add(new ReduceMeanOp(0), "mean", h);
        var mean1 = b.Add(new ReshapeOp([1]), "mean1", mean);
        var centered = b.Add(new ElementwiseBinaryOp(BinaryFunction.Sub), "centered", h, mean1);
        var squared = b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), "squared", centered, centered);
        var variance = b.Add(new ReshapeOp([1]), "var1", b.Add(new ReduceMeanOp(0), "var", squared));
        var std = b.Add(new ElementwiseUnaryOp(UnaryFunction.Sqrt), "std", b.Add(new ScalarBinaryOp(BinaryFunction.Add, 1e-5), "var_eps", variance));
        var normalized = b.Add(new ElementwiseBinaryOp(BinaryFunction.Div), "normalized", centered, std);
        var scaled = b.Add(new ParameterBinaryOp(BinaryFunction.Mul, [hidden], Role: "weight"), "ln_gamma", normalized);
        var shifted = b.Add(new ParameterBinaryOp(BinaryFunction.Add, [hidden], Role: "bias"), "ln_beta", scaled);
        var act = b.Activation(shifted, Activation.Relu, "relu");
        return b.Build(b.Linear(act, outputs, "fc2"));
    }

    [Fact]
    public void DecomposedLayerNormGivesTheSameGroupAsTheBuiltIn()
    {
        var builtIn = SymmetryDeriver.Derive(Builders.Mlp(5, [6], 3, Activation.Relu, "layernorm"));
        var graph = Decomposed(5, 6, 3);
        var spec = SymmetryDeriver.Derive(graph);
        Assert.Empty(spec.Notes);
        Assert.Equal(builtIn.Factors.Select(f => f.Group), spec.Factors.Select(f => f.Group));
        Assert.Equal("S_6 ⋉ ((R+)^6)", spec.Factors.Single().Group.Name);
        var model = Models.Randomised(graph, 21);
        var x = Tensor<double>.RandomNormal(new Rng(22), 8, 5);
        var rng = new Rng(23);
        for (int t = 0; t < 3; t++)
            Assert.True(FunctionComparison.Of(model, GroupAction.Apply(model, spec, spec.Random(rng)), x).Within(1e-10));
        // Canonicalisation works on the decomposed form too.
        var (canon, _) = Canonicalizer.Canonicalize(model, spec);
        var (canonMoved, _) = Canonicalizer.Canonicalize(GroupAction.Apply(model, spec, spec.Random(rng)), spec);
        Assert.All(canon.Parameters, p => Assert.True(p.Value.MaxAbsDiff(canonMoved[p.Key]) < 1e-8, p.Key));
    }

    [Fact]
    public void DecomposedAttentionScoresFallBackAndSaySo()
    {
        var b = new GraphBuilder("scores");
        var x = b.Input("x", 4, 6);
        var q = b.Linear(x, 6, "q"); var k = b.Linear(x, 6, "k");
        var kt = b.Add(new TransposeOp([1, 0]), "kt", k);
        var scores = b.Add(new MatMulOp(), "scores", q, kt);
        var spec = SymmetryDeriver.Derive(b.Build(b.Linear(scores, 2, "head")));
        Assert.Contains(spec.Notes, n => n.Contains("'scores' (MatMul)"));
        Assert.DoesNotContain(spec.Factors, f => f.Bindings.Any(bd => bd.Parameter.StartsWith("q.") || bd.Parameter.StartsWith("k.")));
    }
}
