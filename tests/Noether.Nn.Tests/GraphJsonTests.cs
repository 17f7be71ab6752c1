using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

public class GraphJsonTests
{
    [Theory, MemberData(nameof(ArchitectureTests.Models), MemberType = typeof(ArchitectureTests))]
    public void EveryArchitectureRoundTripsThroughJson(string name)
    {
        var graph = ArchitectureTests.Tiny(name);
        var back = GraphJson.Deserialize(GraphJson.Serialize(graph));
        Assert.Equal(graph.Nodes, back.Nodes);
        Assert.Equal(graph.Inputs, back.Inputs);
        Assert.Equal(graph.Outputs, back.Outputs);
        var model = Model<double>.Initialize(graph, new Rng(1));
        var x = Tensor<double>.RandomNormal(new Rng(2), [3, .. graph.Inputs[0].Shape]);
        var reloaded = new Model<double>(back, model.Parameters);
        Assert.Equal(0.0, model.Predict(x)[0].MaxAbsDiff(reloaded.Predict(x)[0]));
    }

    [Fact]
    public void MalformedDocumentsAreRejectedWithTheNodeNamed()
    {
        var json = GraphJson.Serialize(ArchitectureTests.Tiny("mlp"));
        Assert.Throws<FormatException>(() => GraphJson.Deserialize("{not json"));
        var unknown = Assert.Throws<NotSupportedException>(() => GraphJson.Deserialize(json.Replace("\"op\":\"Activation\"", "\"op\":\"Frobnicate\"")));
        Assert.Contains("Frobnicate", unknown.Message);
        var badArg = Assert.Throws<FormatException>(() => GraphJson.Deserialize(json.Replace("\"In\":6", "\"In\":\"six\"")));
        Assert.Contains("layers.0", badArg.Message);
        var custom = new GraphBuilder();
        var g = custom.Build(custom.Activation(custom.Input("x", 2), new CustomActivation("sin", Math.Sin, Math.Cos), "act"));
        Assert.Throws<NotSupportedException>(() => GraphJson.Serialize(g));
    }
}

/// <summary>The bounded and approximate activations keep their parameters through their names (JSON, CLI options).</summary>
public class BoundedActivationTests
{
    public static TheoryData<string> Names => new() { "relu6", "clip(-1,1)", "clip(-inf,0.5)", "clip(0.25,inf)", "hard_sigmoid(0.2,0.5)", "hard_sigmoid(0.16666666666666666,0.5)", "hard_swish", "gelu_tanh" };

    [Theory, MemberData(nameof(Names))]
    public void NamesParseBackToEqualActivationsAndGraphsRoundTripThroughJson(string name)
    {
        var f = Activation.Parse(name);
        Assert.Equal(f, Activation.Parse(f.Name));
        var b = new GraphBuilder();
        var g = b.Build(b.Activation(b.Input("x", 3), f, "act"));
        Assert.Equal(g.Nodes, GraphJson.Deserialize(GraphJson.Serialize(g)).Nodes);
    }

    [Fact]
    public void ValuesMatchTheirDefinitionsInBothPrecisions()
    {
        var xs = new[] { -7.0, -3.0, -2.6, -1.0, -0.2, 0.0, 0.3, 1.0, 2.4, 3.0, 5.9, 6.0, 8.5 };
        (Activation F, Func<double, double> Reference)[] cases =
        [
            (Activation.Relu6, x => Math.Min(Math.Max(x, 0), 6)),
            (Activation.Clip(-1, 1), x => Math.Min(Math.Max(x, -1), 1)),
            (Activation.HardSigmoid(0.2, 0.5), x => Math.Max(0, Math.Min(1, 0.2 * x + 0.5))),
            (Activation.HardSwish, x => x * Math.Min(Math.Max(x + 3, 0), 6) / 6), // PyTorch: x · relu6(x + 3) / 6
            (Activation.GeluTanh, x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))),
        ];
        foreach (var (f, reference) in cases)
        {
            var input = Tensor<double>.FromArray(xs, xs.Length);
            var y = f.Apply(Noether.Tensors.Autodiff.Variable<double>.Constant(input)).Value.ToArray();
            var y32 = f.Apply(Noether.Tensors.Autodiff.Variable<float>.Constant(input.Cast<float>())).Value.ToArray();
            for (int i = 0; i < xs.Length; i++)
            {
                Assert.Equal(reference(xs[i]), y[i], 12);
                Assert.Equal(reference(xs[i]), f.Evaluate(xs[i]), 12);
                Assert.Equal(reference(xs[i]), y32[i], 5);
            }
        }
        Assert.Throws<ArgumentException>(() => Activation.Clip(double.NaN, 1));
        Assert.Throws<ArgumentException>(() => Activation.Parse("clip(0,six)"));
    }
}
