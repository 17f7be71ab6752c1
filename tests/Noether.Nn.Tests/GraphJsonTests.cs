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
