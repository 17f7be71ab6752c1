using Noether.Nn.Operations;
using Onnx;
using static Noether.IO.Tests.OrtOracle;

namespace Noether.IO.Tests;

/// <summary>Clip (attribute and input forms), HardSigmoid and HardSwish import as activations equal to ONNX Runtime.</summary>
public class OnnxBoundedActivationTests
{
    private static Activation SoleActivation(Noether.Nn.Model<float> net) => Assert.IsType<ActivationOp>(Assert.Single(net.Graph.Nodes).Op).Function;

    [Fact]
    public void Relu6AsClipAttributesBeforeOpset11()
    {
        var model = new OnnxModelBuilder(opset: 6).Input("x", -1, 5).Node("Clip", ["x"], "y", ("min", 0f), ("max", 6f)).Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(1, 5, 4, 5));
        Assert.Equal(Activation.Relu6, SoleActivation(net));
    }

    [Fact]
    public void ClipWithOnlyAMaxAttributeIsOpenBelow()
    {
        var model = new OnnxModelBuilder(opset: 6).Input("x", -1, 5).Node("Clip", ["x"], "y", ("max", 0.5f)).Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(2, 2, 4, 5));
        Assert.Equal(Activation.Clip(double.NegativeInfinity, 0.5), SoleActivation(net));
    }

    [Fact]
    public void ClipBoundsAsInputsFromOpset11()
    {
        var model = new OnnxModelBuilder(opset: 11).Input("x", -1, 3, 4).Floats("lo", [], -1f).Floats("hi", [], 1f)
            .Node("Clip", ["x", "lo", "hi"], "y").Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(3, 2, 3, 3, 4));
        Assert.Equal(Activation.Clip(-1, 1), SoleActivation(net));
    }

    [Fact]
    public void ClipWithAnEmptyMinInputAndAMaxFromAConstantNode()
    {
        var six = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, FloatData = { 2.5f } };
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 6).Node("Constant", [], "hi", ("value", six))
            .Node("Clip", ["x", "", "hi"], "y").Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(4, 4, 3, 6));
        Assert.Equal(Activation.Clip(double.NegativeInfinity, 2.5), SoleActivation(net));
    }

    [Fact]
    public void ClipAtZeroOnlyIsRelu()
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 6).Floats("lo", [], 0f).Node("Clip", ["x", "lo"], "y").Output("y").Build();
        Assert.Equal(Activation.Relu, SoleActivation(AssertAgrees(model, 1e-6, Input(5, 1, 3, 6))));
    }

    [Fact]
    public void ClipBoundsComputedAtRunTimeAreOpaqueAndRefusedByNameInStrictMode()
    {
        // A valid run-time bound (a scalar: the smallest entry of the whole batch) keeps Clip opaque; ONNX Runtime runs it.
        var valid = new OnnxModelBuilder(opset: 13).Input("x", -1, 6).Node("ReduceMin", ["x"], "lo", ("keepdims", 0L))
            .Node("Clip", ["x", "lo"], "y").Output("y").Build();
        AssertOpaqueRunsOnOnnxRuntime(valid, ["ReduceMin", "Clip"], 1e-6, Input(5, 1, 3, 6));
        // Strict mode refuses the Clip handler's form by name (here min is a whole computed input).
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 6).Input("m", -1, 6).Node("Clip", ["x", "m"], "y").Output("y").Build();
        var e = StrictRefusal(model, "clip.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, e.Error);
        Assert.Contains("min", e.Message);
        Assert.Contains("Clip", e.Message);
    }

    [Theory]
    [InlineData(6, null, null)]
    [InlineData(6, 1 / 6f, 0.5f)] // PyTorch's hardsigmoid
    [InlineData(13, 0.3f, 0.2f)]
    public void HardSigmoid(int opset, float? alpha, float? beta)
    {
        var attributes = new List<(string, object)>();
        if (alpha is float a) attributes.Add(("alpha", a));
        if (beta is float b) attributes.Add(("beta", b));
        var model = new OnnxModelBuilder(opset).Input("x", -1, 8).Node("HardSigmoid", ["x"], "y", attributes.ToArray()).Output("y").Build();
        var f = Assert.IsType<HardSigmoidActivation>(SoleActivation(AssertAgrees(model, 1e-6, Input(6, 4, 5, 8))));
        Assert.Equal(alpha ?? 0.2, f.Alpha, 1e-7);
        Assert.Equal(beta ?? 0.5, f.Beta, 1e-7);
    }

    [Fact]
    public void HardSwish()
    {
        var model = new OnnxModelBuilder(opset: 14).Input("x", -1, 2, 9).Node("HardSwish", ["x"], "y").Output("y").Build();
        Assert.Equal(Activation.HardSwish, SoleActivation(AssertAgrees(model, 1e-6, Input(7, 4, 5, 2, 9))));
    }

    [Fact]
    public void ExportedActivationsRunInOnnxRuntimeAndComeBackUnchanged()
    {
        foreach (var activation in new[] { Activation.Relu6, Activation.Clip(-1, 1), Activation.Clip(double.NegativeInfinity, 0.5), Activation.HardSigmoid(0.2, 0.5), Activation.HardSwish, Activation.GeluTanh })
        {
            var graph = Noether.Nn.Architectures.Builders.Mlp(5, [7], 3, activation);
            var model = OnnxRoundTripTests.Perturbed(graph).Cast<float>();
            using var dir = new TempDir();
            var path = dir.File("model.onnx");
            OnnxExporter.Save(model, path);
            var x = Input(8, 3, 6, 5);
            var ort = Run(OnnxFile.ReadModel(path), x)[0].ToArray();
            var ours = model.Predict(x)[0].ToArray();
            for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ort[i] - ours[i]) <= 1e-5 * Math.Max(1, Math.Abs(ours[i])), $"{activation}: {ours[i]} vs {ort[i]}");
            var back = OnnxImporter.Load<float>(path);
            Assert.Equal(graph.Nodes, back.Graph.Nodes);
        }
    }
}
