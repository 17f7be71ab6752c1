using Noether.Nn.Operations;
using static Noether.IO.Tests.OrtOracle;

namespace Noether.IO.Tests;

/// <summary>Decomposed tanh-GELU and RMSNorm as exporters write them are fused back, and still agree with ONNX Runtime.</summary>
public class OnnxFusionTests
{
    private static readonly float Beta = (float)Math.Sqrt(2 / Math.PI);

    /// <summary>PyTorch's GELU(approximate='tanh') export before opset 20 (torch.onnx symbolic_opset9.gelu).</summary>
    private static OnnxModelBuilder TorchGeluTanh(float kappa = 0.044715f) => new OnnxModelBuilder(opset: 17).Input("x", -1, 3, 4)
        .Floats("w", [4, 6], Enumerable.Range(0, 24).Select(i => (i % 5 - 2) * 0.4f).ToArray())
        .Floats("kappa", [], kappa).Floats("beta", [], Beta).Floats("one", [], 1f).Floats("half", [], 0.5f)
        .Node("MatMul", ["x", "w"], "h")
        .Node("Mul", ["h", "h"], "hh").Node("Mul", ["h", "hh"], "cube").Node("Mul", ["kappa", "cube"], "kc").Node("Add", ["h", "kc"], "s")
        .Node("Mul", ["beta", "s"], "u").Node("Tanh", ["u"], "t").Node("Add", ["one", "t"], "a").Node("Mul", ["h", "a"], "m")
        .Node("Mul", ["half", "m"], "y");

    [Fact]
    public void TorchTanhGeluIsFused()
    {
        var net = AssertAgrees(TorchGeluTanh().Output("y").Build(), 1e-5, Input(1, 3, 5, 3, 4));
        Assert.Equal(2, net.Graph.Nodes.Count);
        var gelu = net.Graph.Nodes[1];
        Assert.Equal(new ActivationOp(Activation.GeluTanh), gelu.Op);
        Assert.Equal(net.Graph.Outputs[0], gelu.Name);
    }

    [Fact]
    public void HuggingFaceNewGeluIsFused()
    {
        // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))), grouped as (0.5x)·(1 + t).
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 8)
            .Floats("three", [], 3f).Floats("kappa", [], 0.044715f).Floats("beta", [], Beta).Floats("one", [], 1f).Floats("half", [], 0.5f)
            .Node("Mul", ["x", "half"], "hx").Node("Pow", ["x", "three"], "p").Node("Mul", ["p", "kappa"], "kc").Node("Add", ["x", "kc"], "s")
            .Node("Mul", ["s", "beta"], "u").Node("Tanh", ["u"], "t").Node("Add", ["t", "one"], "a").Node("Mul", ["hx", "a"], "y").Output("y").Build();
        var net = AssertAgrees(model, 1e-5, Input(2, 3, 4, 8));
        Assert.Equal(new ActivationOp(Activation.GeluTanh), Assert.Single(net.Graph.Nodes).Op);
    }

    [Fact]
    public void Opset20GeluWithTanhApproximation()
    {
        var model = new OnnxModelBuilder(opset: 20).Input("x", -1, 8).Node("Gelu", ["x"], "y", ("approximate", "tanh")).Output("y").Build();
        Assert.Equal(new ActivationOp(Activation.GeluTanh), Assert.Single(AssertAgrees(model, 1e-5, Input(3, 3, 4, 8)).Graph.Nodes).Op);
    }

    [Fact]
    public void AWrongCoefficientOrAnIntermediateReadElsewhereIsNotFused()
    {
        var wrong = AssertAgrees(TorchGeluTanh(kappa: 0.05f).Output("y").Build(), 1e-5, Input(4, 3, 5, 3, 4));
        Assert.DoesNotContain(wrong.Graph.Nodes, n => n.Op == new ActivationOp(Activation.GeluTanh));
        Assert.Contains(wrong.Graph.Nodes, n => n.Op == new ActivationOp(Activation.Tanh));
        var shared = AssertAgrees(TorchGeluTanh().Output("y").Output("t").Build(), 1e-5, Input(5, 3, 5, 3, 4));
        Assert.DoesNotContain(shared.Graph.Nodes, n => n.Op == new ActivationOp(Activation.GeluTanh));
    }

    /// <summary>RMSNorm as x · (1 / √(mean(x²) + ε)) · g, in the Div(1, ·) or Reciprocal form.</summary>
    private static Noether.Nn.Model<float> RmsNorm(int opset, bool reciprocal, bool squareByMul, bool gainFirst)
    {
        var b = new OnnxModelBuilder(opset).Input("x", -1, 3, 8).Floats("g", [8], Enumerable.Range(0, 8).Select(i => 0.5f + 0.1f * i).ToArray())
            .Floats("eps", [], 1e-6f).Floats("two", [], 2f).Floats("one", [], 1f).Longs("axes", -1);
        b = squareByMul ? b.Node("Mul", ["x", "x"], "sq") : b.Node("Pow", ["x", "two"], "sq");
        b = opset >= 18 ? b.Node("ReduceMean", ["sq", "axes"], "ms") : b.Node("ReduceMean", ["sq"], "ms", ("axes", new long[] { -1 }));
        b = b.Node("Add", ["ms", "eps"], "v").Node("Sqrt", ["v"], "rms");
        b = reciprocal ? b.Node("Reciprocal", ["rms"], "r") : b.Node("Div", ["one", "rms"], "r");
        b = b.Node("Mul", reciprocal ? ["r", "x"] : ["x", "r"], "n").Node("Mul", gainFirst ? ["g", "n"] : ["n", "g"], "y").Output("y");
        return AssertAgrees(b.Build(), 1e-5, Input(6, 2, 4, 3, 8));
    }

    [Theory]
    [InlineData(17, false, false, false)]
    [InlineData(17, true, true, true)]
    [InlineData(18, true, false, false)]
    [InlineData(18, false, true, true)]
    public void RmsNormWithAReciprocalSquareRootIsFused(int opset, bool reciprocal, bool squareByMul, bool gainFirst)
    {
        var net = RmsNorm(opset, reciprocal, squareByMul, gainFirst);
        var node = Assert.Single(net.Graph.Nodes);
        var op = Assert.IsType<RmsNormOp>(node.Op);
        Assert.Equal(8, op.Features);
        Assert.Equal(1e-6, op.Eps, 1e-12);
        Assert.Contains(net.Graph.Parameters, p => p.Name == $"{node.Name}.weight");
    }
}
