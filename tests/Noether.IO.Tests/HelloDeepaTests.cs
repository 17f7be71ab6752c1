using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// A real exported model (PyTorch 2.8, opset 13): Gemm → decomposed LayerNorm → ReLU → Gemm → LayerNorm → ReLU →
/// Gemm → Sigmoid. Golden outputs come from an independent numpy evaluator (data/make_hello_deepa_golden.py).
/// </summary>
public class HelloDeepaTests
{
    internal static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    [Fact]
    public void ImportsAsLinearLayerNormActivationLayers()
    {
        var model = OnnxImporter.Load<float>(Data("hello_deepa.onnx"));
        var ops = model.Graph.Nodes.Select(n => n.Op).ToArray();
        Assert.Collection(ops,
            op => Assert.IsType<FlattenOp>(op),
            op => Assert.Equal(new LinearOp(2400, 32), op),
            op => Assert.Equal(32, Assert.IsType<LayerNormOp>(op).Features),
            op => Assert.Equal(new ActivationOp(Activation.Relu), op),
            op => Assert.Equal(new LinearOp(32, 32), op),
            op => Assert.Equal(32, Assert.IsType<LayerNormOp>(op).Features),
            op => Assert.Equal(new ActivationOp(Activation.Relu), op),
            op => Assert.Equal(new LinearOp(32, 1), op),
            op => Assert.Equal(new ActivationOp(Activation.Sigmoid), op));
        Assert.Equal(1e-5, ((LayerNormOp)ops[2]).Eps);
        Assert.Equal(
            ["layer1.weight", "layer1.bias", "layernorm1.weight", "layernorm1.bias", "blocks.0.fcn_layer.weight", "blocks.0.fcn_layer.bias",
             "blocks.0.layer_norm.weight", "blocks.0.layer_norm.bias", "last_layer.weight", "last_layer.bias"],
            model.Graph.Parameters.Select(p => p.Name));
        Assert.Equal([25, 96], model.Graph.Inputs[0].Shape);
    }

    [Fact]
    public void MatchesTheIndependentEvaluator()
    {
        var x = Npy.Read<double>(Data("hello_deepa_input.npy"));
        var expected = Npy.Read<double>(Data("hello_deepa_output.npy"));
        var y64 = OnnxImporter.Load<double>(Data("hello_deepa.onnx")).Predict(x)[0];
        var y32 = OnnxImporter.Load<float>(Data("hello_deepa.onnx")).Predict(x.Cast<float>())[0].Cast<double>();
        Assert.Equal(expected.ShapeArray(), y64.ShapeArray());
        Assert.True(y64.MaxAbsDiff(expected) <= 1e-5, $"float64 differs by {y64.MaxAbsDiff(expected):E2}");
        Assert.True(y32.MaxAbsDiff(expected) <= 1e-5, $"float32 differs by {y32.MaxAbsDiff(expected):E2}");
    }
}
