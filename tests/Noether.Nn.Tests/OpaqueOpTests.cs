using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>Opaque ops (imported nodes the IR keeps without understanding) survive JSON and refuse to run, naming themselves.</summary>
public class OpaqueOpTests
{
    /// <summary>x → Linear → opaque (two used outputs: a weight, a constant, a batch-dependent shape) → Linear; an int64 second input.</summary>
    internal static Graph Sample()
    {
        OpaqueSource[] sources =
        [
            new(OpaqueSourceKind.Input, 0, ElementType: "float32"),
            new(OpaqueSourceKind.Parameter, Role: "input1", Shape: [3, 4], ElementType: "float32"),
            new(OpaqueSourceKind.Absent),
            new(OpaqueSourceKind.Constant, ElementType: "int64", Tensor: [8, 1, 16, 7]),
            new(OpaqueSourceKind.BatchShape, 0, Shape: [2], ElementType: "int64", Coefficients: [1, -1], Batched: [true, false]),
            new(OpaqueSourceKind.Input, 1, ElementType: "int64"),
        ];
        byte[] node = [10, 1, 95, 18, 1, 95, 34, 3, 70, 111, 111];
        var first = new OpaqueOp("Foo", "acme", 2, node, sources, 0, 2, [3], "float32");
        var second = first with { Output = 1, Shape = [5, 2], ElementType = "int64", BatchAxis = 1, Secondary = true };
        var inputs = new List<InputSpec> { new("x", [4]), new("ids", [5]) { ElementType = "int64" } };
        var nodes = new List<Node>
        {
            new("fc1", new LinearOp(4, 4), ["x"]),
            new("foo", first, ["fc1", "ids"]),
            new("foo_indices", second, ["fc1", "ids", "foo"]),
            new("fc2", new LinearOp(3, 2), ["foo"]),
        };
        return new Graph(inputs, nodes, ["fc2", "foo_indices"], "opaque");
    }

    [Fact]
    public void OpaqueNodesRoundTripThroughJsonWithEveryField()
    {
        var graph = Sample();
        var back = GraphJson.Deserialize(GraphJson.Serialize(graph));
        Assert.Equal(graph.Nodes, back.Nodes);
        Assert.Equal(graph.Inputs, back.Inputs);
        Assert.Equal("int64", back.Inputs[1].ElementType);
        Assert.Equal(["fc1.weight", "fc1.bias", "foo.input1", "fc2.weight", "fc2.bias"], back.Parameters.Select(p => p.Name));
        Assert.Equal([5, 2], back.ShapeOf("foo_indices"));
        // Any changed field makes a different op, so equality above is not vacuous.
        var op = (OpaqueOp)graph["foo"].Op;
        Assert.NotEqual(op, op with { Node = [.. op.Node, 0] });
        Assert.NotEqual(op, op with { Sources = [.. op.Sources[..3], op.Sources[3] with { Tensor = [8, 1, 16, 6] }, .. op.Sources[4..]] });
        Assert.NotEqual(op, op with { Shape = [4] });
    }

    [Fact]
    public void RunningAnOpaqueNodeFailsNamingItAndTheOtherEngine()
    {
        var graph = Sample();
        var model = Model<double>.Initialize(graph, new Rng(1));
        var e = Assert.Throws<NotSupportedException>(() => model.Predict(Tensor<double>.Ones(2, 4), Tensor<double>.Zeros(2, 5)));
        Assert.Contains("'foo'", e.Message);
        Assert.Contains("acme.Foo", e.Message);
        Assert.Contains("--engine onnxruntime", e.Message);
    }

    [Fact]
    public void DescribeNamesTheOpItsOutputAndWhereTheBatchIs()
    {
        var graph = Sample();
        Assert.Equal("Opaque(acme.Foo opset 2, output 0 of 2, 1 weights → float32 [3])", graph["foo"].Op.Describe());
        Assert.Equal("Opaque(acme.Foo opset 2, output 1 of 2, 0 weights → int64 [5, 2], batch on axis 1)", graph["foo_indices"].Op.Describe());
        var wrong = Assert.Throws<ArgumentException>(() => new Graph(graph.Inputs, [graph.Nodes[0], graph.Nodes[1] with { Inputs = ["fc1"] }], ["foo"]));
        Assert.Contains("foo", wrong.Message);
    }
}
