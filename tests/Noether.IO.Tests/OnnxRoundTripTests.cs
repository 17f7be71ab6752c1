using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>Graph IR → ONNX → graph IR keeps every output, for the standard architectures and for the new ops.</summary>
public class OnnxRoundTripTests
{
    public static TheoryData<string> Architectures => new() { "mlp", "mlp-layernorm", "cnn", "resnet20", "transformer", "transformer-causal-gqa-rmsnorm" };

    internal static Graph Build(string name) => name switch
    {
        "mlp" => Builders.Mlp(12, [16, 8], 3, Activation.Tanh),
        "mlp-layernorm" => Builders.Mlp(12, [16, 8], 3, Activation.Gelu, norm: "layernorm"),
        "cnn" => Builders.SmallCnn([1, 12, 12], [4, 6], 5, hidden: 10),
        "resnet20" => Builders.ResNet20([3, 16, 16], 10, width: 4),
        "transformer" => Builders.Transformer(6, 5, 3, model: 8, heads: 2, kvHeads: 2, layers: 1),
        "transformer-causal-gqa-rmsnorm" => Builders.Transformer(6, 5, 3, model: 8, heads: 4, kvHeads: 2, layers: 2, causal: true, norm: "rmsnorm", activation: Activation.Silu),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A model with every parameter perturbed, BatchNorm statistics included, so no layer is an identity.</summary>
    internal static Model<double> Perturbed(Graph graph, ulong seed = 3)
    {
        var rng = new Rng(seed);
        var model = Model<double>.Initialize(graph, rng);
        return model.WithParameters(graph.Parameters.ToDictionary(p => p.Name, p => p.Name.EndsWith("running_var")
            ? Tensor<double>.RandomUniform(rng, 0.5, 1.5, p.Shape)
            : model[p.Name] + Tensor<double>.RandomNormal(rng, 0.0, 0.2, p.Shape)));
    }

    [Theory, MemberData(nameof(Architectures))]
    public void ArchitecturesKeepTheirOutputs(string name)
    {
        var graph = Build(name);
        var model = Perturbed(graph);
        using var dir = new TempDir();
        var path = dir.File("model.onnx");
        OnnxExporter.Save(model, path);
        var back = OnnxImporter.Load<double>(path);
        var x = Tensor<double>.RandomNormal(new Rng(9), [4, .. graph.Inputs[0].Shape]);
        double diff = model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]);
        Assert.True(diff <= 1e-12, $"{name}: outputs differ by {diff:E2} after the round trip");
        // The imported graph (decomposed attention included) also survives safetensors with its JSON architecture.
        ModelFiles.Save(back, dir.File("imported.safetensors"));
        Assert.Equal(0.0, back.Predict(x)[0].MaxAbsDiff(ModelFiles.Load<double>(dir.File("imported.safetensors")).Predict(x)[0]));
        if (!name.StartsWith("transformer"))
        {
            // Without attention, the round trip restores the very same graph and parameter names.
            Assert.Equal(graph.Nodes, back.Graph.Nodes);
            Assert.Equal(graph.Parameters.Select(p => p.Name), back.Graph.Parameters.Select(p => p.Name));
        }
    }

    [Fact]
    public void Float32ModelsRoundTripInFloat32()
    {
        var model = Perturbed(Build("cnn")).Cast<float>();
        using var dir = new TempDir();
        OnnxExporter.Save(model, dir.File("cnn.onnx"));
        var back = OnnxImporter.Load<float>(dir.File("cnn.onnx"));
        var x = Tensor<float>.RandomNormal(new Rng(2), [3, 1, 12, 12]);
        Assert.Equal(0f, model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]));
        Assert.All(back.Parameters.Values, t => Assert.IsType<Tensor<float>>(t));
    }

    [Theory, MemberData(nameof(GeneralOps))]
    public void GeneralOpsKeepTheirOutputs(string name)
    {
        var graph = GeneralOpGraph(name);
        var model = Perturbed(graph);
        using var dir = new TempDir();
        OnnxExporter.Save(model, dir.File("op.onnx"));
        var back = OnnxImporter.Load<double>(dir.File("op.onnx"));
        var inputs = graph.Inputs.Select((i, k) => Tensor<double>.RandomNormal(new Rng(20 + (ulong)k), [3, .. i.Shape]).Map(v => Math.Abs(v) + 0.5)).ToArray();
        double diff = model.Predict(inputs)[0].MaxAbsDiff(back.Predict(inputs)[0]);
        Assert.True(diff <= 1e-12, $"{name}: outputs differ by {diff:E2}");
    }

    public static TheoryData<string> GeneralOps => new()
    {
        "binary-broadcast", "parameter-first", "scalar-pow", "unary-erf", "matmul", "transpose", "pad-reflect", "slice", "gather", "where", "expand", "softmax", "concat", "reduce-mean", "reshape", "broadcast-parameter",
    };

    private static Graph GeneralOpGraph(string name)
    {
        var b = new GraphBuilder(name);
        ValueId v = name switch
        {
            "binary-broadcast" => b.Add(new ElementwiseBinaryOp(BinaryFunction.Div), "op", b.Input("x", 2, 3), b.Input("y", 3)),
            "parameter-first" => b.Add(new ParameterBinaryOp(BinaryFunction.Sub, [2, 1], ParameterFirst: true, Role: "bias"), "op", b.Input("x", 2, 3)),
            "scalar-pow" => b.Add(new ScalarBinaryOp(BinaryFunction.Pow, 1.5), "op", b.Input("x", 4)),
            "unary-erf" => b.Add(new ElementwiseUnaryOp(UnaryFunction.Erf), "op", b.Input("x", 4)),
            "matmul" => b.Add(new MatMulOp(), "op", b.Input("a", 2, 2, 3), b.Input("b", 3, 2)),
            "transpose" => b.Add(new TransposeOp([2, 0, 1]), "op", b.Input("x", 2, 3, 4)),
            "pad-reflect" => b.Add(new PadOp([1, 0, 1, 2], PadMode.Reflect), "op", b.Input("x", 3, 4)),
            "slice" => b.Add(new SliceOp([0, 1], [-1, 1], [-100, 5], [-1, 2]), "op", b.Input("x", 3, 5)),
            "gather" => b.Add(new GatherOp(1, [2, 0, -1], [3]), "op", b.Input("x", 2, 4)),
            "where" => b.Add(new WhereOp([2, 3], ScalarB: -1.0), "op", b.Input("x", 2, 3)),
            "expand" => b.Add(new ExpandOp([3, 1, 4]), "op", b.Input("x", 2, 1)),
            "softmax" => b.Add(new SoftmaxOp(0), "op", b.Input("x", 3, 4)),
            "concat" => b.Add(new ConcatOp(1), "op", b.Input("x", 2, 3), b.Input("y", 2, 2)),
            "reduce-mean" => b.Add(new ReduceMeanOp(1), "op", b.Input("x", 3, 4)),
            "reshape" => b.Add(new ReshapeOp([6, 2]), "op", b.Input("x", 3, 4)),
            "broadcast-parameter" => ClassToken(b),
            _ => throw new ArgumentException(name),
        };
        return b.Build(v);
    }

    private static ValueId ClassToken(GraphBuilder b)
    {
        var x = b.Input("x", 3, 4);
        return b.Add(new ConcatOp(0), "op", b.Add(new BroadcastParameterOp([1, 4]), "cls", x), x);
    }

    [Fact]
    public void CustomActivationsAndEmbeddingsAreRejectedNamingTheNode()
    {
        var b = new GraphBuilder();
        var g = b.Build(b.Activation(b.Input("x", 3), new CustomActivation("sin", Math.Sin, Math.Cos), "act"));
        using var dir = new TempDir();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Save(Model<double>.Initialize(g, new Rng(0)), dir.File("x.onnx")));
        Assert.Contains("'act'", e.Message);
        Assert.False(File.Exists(dir.File("x.onnx")));
    }
}
