using System.Text.Json.Nodes;
using Noether.Nn.Operations;

namespace Noether.Nn.Tests;

/// <summary>
/// Hostile architecture documents (issue 11): attributes no op accepts and wrongly typed sizes end in a one-line
/// <see cref="FormatException"/> or <see cref="ArgumentException"/> naming the node and the values — never a
/// DivideByZeroException or NullReferenceException.
/// </summary>
public class GraphJsonHostileTests
{
    private static JsonObject ConvPoolDocument()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 4, 8, 8);
        var c = b.Conv2d(x, 4, 3, padding: 1, groups: 2, nodeName: "conv");
        var g = b.Build(b.MaxPool2d(c, 2, nodeName: "pool"));
        return JsonNode.Parse(GraphJson.Serialize(g))!.AsObject();
    }

    private static JsonObject Args(JsonObject doc, string node)
        => doc["nodes"]!.AsArray().Select(n => n!.AsObject()).Single(n => (string?)n["name"] == node)["args"]!.AsObject();

    private static Exception Reject(JsonObject doc)
    {
        var e = Record.Exception(() => GraphJson.Deserialize(doc.ToJsonString()));
        Assert.NotNull(e);
        Assert.True(e is FormatException or ArgumentException, $"{e.GetType().Name}: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void TheUntouchedDocumentLoads() => Assert.Equal(2, GraphJson.Deserialize(ConvPoolDocument().ToJsonString()).Nodes.Count);

    [Theory]
    [InlineData("StrideH", 0, "strides 0x1")]
    [InlineData("StrideW", 0, "strides 1x0")]
    [InlineData("Groups", 0, "groups 0")]
    [InlineData("Groups", 3, "groups 3 must divide 4 and 4")]
    [InlineData("DilationH", 0, "dilations 0x1")]
    [InlineData("PadH", -5, "pads -5x1")]
    [InlineData("PadH", 2000000000, "too large")]
    public void ConvOptionsNoConvAcceptsAreRejectedNamingTheNode(string option, int value, string expected)
    {
        var doc = ConvPoolDocument();
        Args(doc, "conv")["Options"]![option] = value;
        var e = Reject(doc);
        Assert.Contains("conv", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("KernelH", 0)]
    [InlineData("In", -4)]
    public void ConvSizesMustBePositive(string arg, int value)
    {
        var doc = ConvPoolDocument();
        Args(doc, "conv")[arg] = value;
        Assert.Contains("conv", Reject(doc).Message);
    }

    [Theory]
    [InlineData("StrideH", 0)]
    [InlineData("StrideW", 0)]
    [InlineData("KernelW", 0)]
    [InlineData("PadW", -1)]
    public void PoolOptionsNoPoolAcceptsAreRejectedNamingTheNode(string option, int value)
    {
        var doc = ConvPoolDocument();
        Args(doc, "pool")["Options"]![option] = value;
        var e = Reject(doc);
        Assert.Contains("pool", e.Message);
        Assert.Contains("must be positive", e.Message);
    }

    [Fact]
    public void AWindowThatDoesNotFitIsRejectedWhateverTheStride()
    {
        // (8 − 9)/2 + 1 truncated to 1 used to pass: a 9-wide window on an 8-wide input with stride 2.
        var doc = ConvPoolDocument();
        var o = Args(doc, "pool")["Options"]!;
        (o["KernelH"], o["KernelW"], o["StrideH"], o["StrideW"]) = (9, 9, 2, 2);
        Assert.Contains("window larger than padded input", Reject(doc).Message);
    }

    [Theory]
    [InlineData("[null]", "\"shape\"[0] is null")]
    [InlineData("[4, null, 8]", "\"shape\"[1] is null")]
    [InlineData("[4, 8.5, 8]", "\"shape\"[1] is 8.5")]
    [InlineData("[4, \"8\", 8]", "\"shape\"[1] is \"8\"")]
    [InlineData("[4, -8, 8]", "\"shape\"[1] is -8")]
    [InlineData("[4, 4294967304, 8]", "\"shape\"[1] is 4294967304")]
    [InlineData("7", "\"shape\" is 7, not an array")]
    public void InputShapesMustBeArraysOfSizes(string shape, string expected)
    {
        var doc = ConvPoolDocument();
        doc["inputs"]![0]!["shape"] = JsonNode.Parse(shape);
        var e = Assert.Throws<FormatException>(() => GraphJson.Deserialize(doc.ToJsonString()));
        Assert.Contains("input 'x'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("inputs", "[null]")]
    [InlineData("outputs", "[null]")]
    [InlineData("outputs", "[3]")]
    [InlineData("nodes", "[null]")]
    [InlineData("nodes", "[{\"name\": 5, \"op\": \"Flatten\", \"inputs\": [\"x\"]}]")]
    [InlineData("nodes", "[{\"name\": \"f\", \"op\": \"Flatten\", \"inputs\": [null]}]")]
    [InlineData("nodes", "[{\"name\": \"f\", \"op\": \"Flatten\", \"args\": [], \"inputs\": [\"x\"]}]")]
    [InlineData("version", "1.5")]
    [InlineData("name", "{}")]
    public void NullsAndWrongTypesAreFormatErrors(string key, string value)
    {
        var doc = ConvPoolDocument();
        doc[key] = JsonNode.Parse(value);
        var e = Assert.Throws<FormatException>(() => GraphJson.Deserialize(doc.ToJsonString()));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void NamesWithControlCharactersCannotBreakTheOneLineError()
    {
        var doc = ConvPoolDocument();
        doc["nodes"]![0]!["inputs"] = new JsonArray("missing\n\u001b[2J");
        var e = Reject(doc);
        Assert.DoesNotContain(e.Message, c => char.IsControl(c));
    }

    [Fact]
    public void ADuplicatedKeyIsRejectedNotSilentlyResolved()
    {
        string json = ConvPoolDocument().ToJsonString();
        string twice = json.Replace("\"op\":\"MaxPool2d\"", "\"op\":\"MaxPool2d\",\"op\":\"AvgPool2d\"");
        Assert.NotEqual(json, twice);
        var e = Assert.Throws<FormatException>(() => GraphJson.Deserialize(twice));
        Assert.Contains("malformed", e.Message);
    }

    [Fact]
    public void NodesWithEqualArgumentsShareOneOpButKeepTheirOwnNames()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 3);
        var h = b.Linear(b.Linear(x, 3, nodeName: "a"), 3, nodeName: "b");
        var g = GraphJson.Deserialize(GraphJson.Serialize(b.Build(b.Linear(h, 2, nodeName: "c"))));
        Assert.Equal(["a", "b", "c"], g.Nodes.Select(n => n.Name));
        Assert.Same(g["a"].Op, g["b"].Op);
        Assert.NotEqual(g["b"].Op, g["c"].Op);
        Assert.Equal(["a.weight", "a.bias", "b.weight", "b.bias", "c.weight", "c.bias"], g.Parameters.Select(p => p.Name));
    }
}
