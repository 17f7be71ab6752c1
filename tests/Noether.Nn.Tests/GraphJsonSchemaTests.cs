using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>
/// docs/graph-json.schema.json documents the graph JSON format: it is the reader's own schema (regenerated from the op
/// records, so a new op cannot be missing), an independent validator (JsonSchema.Net) accepts every graph we write and
/// the shipped examples, which our reader loads, and rejects documents our reader rejects.
/// Set NOETHER_UPDATE_DOCS=1 to rewrite the schema and the examples from code.
/// </summary>
public class GraphJsonSchemaTests
{
    private static readonly string s_root = RepositoryRoot();
    private static readonly string s_schemaPath = Path.Combine(s_root, "docs", "graph-json.schema.json");
    private static readonly string s_examples = Path.Combine(s_root, "docs", "graph-json");
    private static readonly bool s_update = Environment.GetEnvironmentVariable("NOETHER_UPDATE_DOCS") == "1";
    private static readonly Lazy<JsonSchema> s_schema = new(() =>
    {
        if (s_update) File.WriteAllText(s_schemaPath, GraphJson.Schema());
        return JsonSchema.FromText(File.ReadAllText(s_schemaPath));
    });

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Directory.Packages.props"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Directory.Packages.props) not found above " + AppContext.BaseDirectory);
    }

    private static EvaluationResults Validate(string json)
        => s_schema.Value.Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static string Errors(EvaluationResults r)
        => string.Join("; ", r.Details.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(5));

    [Fact]
    public void CommittedSchemaIsTheReadersSchema()
    {
        _ = s_schema.Value;
        Assert.Equal(GraphJson.Schema(), File.ReadAllText(s_schemaPath));
    }

    [Fact]
    public void EveryOpKindTheReaderKnowsIsInTheSchema()
    {
        var doc = JsonNode.Parse(File.ReadAllText(s_schemaPath))!;
        var kinds = doc["$defs"]!["node"]!["properties"]!["op"]!["enum"]!.AsArray().Select(k => (string)k!).ToArray();
        Assert.Equal(GraphJson.Kinds, kinds);
        Assert.Contains("Conv2d", kinds);
        Assert.Contains("Attention", kinds);
        foreach (var k in kinds) Assert.NotNull(doc["$defs"]![$"op.{k}"]);
    }

    /// <summary>The examples shipped in docs/graph-json: (file, graph, input shape) — the torch net pairs with data/torch/net_state_dict.pt.</summary>
    private static IEnumerable<(string File, Graph Graph)> Examples()
    {
        var mlp = Builders.Mlp(4, [8], 3);
        var b = new GraphBuilder("torch_net");
        var x = b.Input("x", 2, 4, 4);
        var h = b.Activation(b.BatchNorm(b.Conv2d(x, 3, 3, padding: 1, nodeName: "conv"), "bn"), Activation.Relu);
        var net = b.Build(b.Linear(b.Flatten(h), 5, "fc"));
        var r = new GraphBuilder("residual_cnn");
        var image = r.Input("image", 3, 8, 8);
        var stem = r.Activation(r.BatchNorm(r.Conv2d(image, 4, 3, padding: 1, bias: false, nodeName: "stem.conv"), "stem.bn"), Activation.Relu, "stem.relu");
        var branch = r.Activation(r.BatchNorm(r.Conv2d(stem, 4, 3, padding: 1, bias: false, nodeName: "block.conv"), "block.bn"), Activation.Relu, "block.relu");
        var sum = r.Residual(stem, branch, "block.add");
        var pooled = r.GlobalAvgPool(r.MaxPool2d(sum, 2, nodeName: "pool"), "gap");
        var cnn = r.Build(r.Linear(r.Flatten(pooled, "flatten"), 10, "head"));
        return [("mlp.json", mlp), ("torch-net.json", net), ("residual-cnn.json", cnn)];
    }

    [Fact]
    public void ShippedExamplesValidateAndLoad()
    {
        foreach (var (file, graph) in Examples())
        {
            var path = Path.Combine(s_examples, file);
            if (s_update)
            {
                Directory.CreateDirectory(s_examples);
                File.WriteAllText(path, JsonNode.Parse(GraphJson.Serialize(graph))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            }
            var text = File.ReadAllText(path);
            var result = Validate(text);
            Assert.True(result.IsValid, $"{file}: {Errors(result)}");
            var loaded = GraphJson.Deserialize(text);
            Assert.Equal(graph.Nodes, loaded.Nodes);
            Assert.Equal(graph.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
            var model = Model<double>.Initialize(loaded, new Rng(1));
            var y = model.Predict(Tensor<double>.RandomNormal(new Rng(2), [2, .. loaded.Inputs[0].Shape]))[0];
            Assert.Equal(2, y.ShapeArray()[0]);
        }
        Assert.Equal(Examples().Select(e => e.File).Order(), Directory.GetFiles(s_examples, "*.json").Select(Path.GetFileName).Order());
    }

    public static TheoryData<string> Graphs => new() { "mlp", "mlp-layernorm-tanh", "mlp-batchnorm", "cnn", "resnet20", "transformer", "transformer-rms-gqa-causal", "ops" };

    /// <summary>A graph of ops with enum, nullable, array and nested-record arguments.</summary>
    private static Graph Ops()
    {
        var b = new GraphBuilder("ops");
        var x = b.Input("x", 2, 6, 6);
        var p = b.Add(new PadOp([0, 1, 1, 0, 1, 1], PadMode.Reflect), "pad", x);
        var c = b.Add(new Conv2dOp(2, 4, 3, 3, Conv2dOptions.Square(1, 0, 1, 2)), "conv", p);
        var s = b.Add(new SliceOp([1], [1], [5], [2]), "slice", c);
        var e = b.Add(new ElementwiseBinaryOp(BinaryFunction.Max), "max", s, s);
        var q = b.Add(new ScalarBinaryOp(BinaryFunction.Mul, double.PositiveInfinity, ScalarFirst: true), "scale", e);
        var t = b.Add(new TransposeOp([1, 0, 2]), "transpose", q);
        var a = b.Add(new AvgPool2dOp(Pool2dOptions.Square(2)), "avg", b.Activation(t, Activation.Clip(-1, 1), "clip"));
        return b.Build(b.Add(new LayerNormOp(12, Affine: false), "norm", b.Add(new ReshapeOp([12]), "reshape", a)));
    }

    [Theory, MemberData(nameof(Graphs))]
    public void EveryGraphWeWriteValidates(string name)
    {
        var graph = name == "ops" ? Ops() : ArchitectureTests.Tiny(name);
        var json = GraphJson.Serialize(graph);
        var result = Validate(json);
        Assert.True(result.IsValid, $"{name}: {Errors(result)}");
    }

    [Fact]
    public void DocumentsTheReaderRejectsAreInvalid()
    {
        var json = GraphJson.Serialize(ArchitectureTests.Tiny("mlp"));
        string[] bad =
        [
            json.Replace("\"op\":\"Activation\"", "\"op\":\"Frobnicate\""),   // unknown op
            json.Replace("\"In\":6", "\"In\":\"six\""),                       // argument of the wrong type
            json.Replace("\"format\":\"noether.graph\",", ""),                // not a graph document
            json.Replace("\"version\":1", "\"version\":2"),                   // a newer format
            json.Replace("\"shape\":[6]", "\"shape\":[null]"),                // null size
            json.Replace("\"In\":6,", ""),                                    // required argument missing
        ];
        foreach (var doc in bad)
        {
            Assert.NotEqual(json, doc);
            Assert.False(Validate(doc).IsValid, doc[..Math.Min(200, doc.Length)]);
            Assert.ThrowsAny<Exception>(() => GraphJson.Deserialize(doc));
        }
    }
}
