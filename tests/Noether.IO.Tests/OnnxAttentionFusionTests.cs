using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>The ONNX importer fuses the exporter's decomposed attention (and RMS norm) back into <see cref="AttentionOp"/> (and <see cref="RmsNormOp"/>), and only those patterns.</summary>
public class OnnxAttentionFusionTests
{
    public static TheoryData<string> Transformers => new() { "transformer", "transformer-causal-gqa-rmsnorm", "transformer-no-bias", "transformer-causal-gqa-no-bias" };

    internal static Graph Build(string name) => name switch
    {
        "transformer-no-bias" => AttentionBlock(new AttentionOp(8, 2, 2, Causal: false, Bias: false)),
        "transformer-causal-gqa-no-bias" => AttentionBlock(new AttentionOp(8, 4, 2, Causal: true, Bias: false)),
        _ => OnnxRoundTripTests.Build(name),
    };

    /// <summary>A small attention block (the transformer builder always uses biases).</summary>
    private static Graph AttentionBlock(AttentionOp attention)
    {
        var b = new GraphBuilder("attention-block");
        var x = b.Linear(b.Input("input", 6, 5), attention.Model, "embed");
        var a = b.Add(attention, "blocks.0.attn", b.LayerNorm(x, "blocks.0.norm1"));
        return b.Build(b.Linear(b.Add(new ReduceMeanOp(0), "pool", b.Residual(x, a, "blocks.0.add1")), 3, "head"));
    }

    private static Model<T> RoundTrip<T>(Model<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var dir = new TempDir();
        var path = dir.File("model.onnx");
        OnnxExporter.Save(model, path);
        return OnnxImporter.Load<T>(path);
    }

    [Theory, MemberData(nameof(Transformers))]
    public void ExportedAttentionIsFusedBack(string name)
    {
        var graph = Build(name);
        var model = OnnxRoundTripTests.Perturbed(graph);
        var back = RoundTrip(model);
        var x = Tensor<double>.RandomNormal(new Rng(9), [4, .. graph.Inputs[0].Shape]);
        double diff = model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]);
        Assert.True(diff <= 1e-12, $"{name}: outputs differ by {diff:E2} after the round trip");

        // Every attention node comes back identical (name, op, input), with its parameters under the same names.
        var attention = graph.Nodes.Where(n => n.Op is AttentionOp).ToArray();
        Assert.NotEmpty(attention);
        foreach (var n in attention)
        {
            Assert.Contains(n, back.Graph.Nodes);
            foreach (var slot in n.Op.Parameters)
                Assert.Equal(0.0, model[$"{n.Name}.{slot.Role}"].MaxAbsDiff(back[$"{n.Name}.{slot.Role}"]));
        }
        Assert.Equal(attention.Length, back.Graph.Nodes.Count(n => n.Op is AttentionOp));
        Assert.DoesNotContain(back.Graph.Nodes, n => n.Op is MatMulOp or SoftmaxOp or WhereOp or ExpandOp or TransposeOp);
        Assert.Equal(graph.Parameters.Count(p => p.NodeName.Contains("attn")), back.Graph.Parameters.Count(p => p.NodeName.Contains("attn")));
        // Decomposed RMS norms are fused back as well (same name, same gain).
        foreach (var n in graph.Nodes.Where(n => n.Op is RmsNormOp)) Assert.Contains(n, back.Graph.Nodes);
    }

    [Fact]
    public void Float32AttentionIsFusedBack()
    {
        var model = OnnxRoundTripTests.Perturbed(Build("transformer-causal-gqa-rmsnorm")).Cast<float>();
        var back = RoundTrip(model);
        Assert.Equal(2, back.Graph.Nodes.Count(n => n.Op is AttentionOp));
        var x = Tensor<double>.RandomNormal(new Rng(9), [4, 6, 5]).Cast<float>();
        Assert.True(model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]) <= 1e-5f);
    }

    // ---- hand-written decomposed attention: fused only when every check holds ------------------------------------

    private const int S = 4, D = 6, H = 2, Dk = 3;

    /// <summary>Attention written out in primitive IR ops, as the importer produces it, with a chosen scale and mask.</summary>
    private static (Model<double> Model, bool Causal) Decomposed(double scale, double[,]? mask, bool softmaxAlsoOutput = false)
    {
        var b = new GraphBuilder("decomposed");
        var x = b.Input("input", S, D);
        ValueId Heads(string role) => b.Add(new TransposeOp([1, 0, 2]), null, b.Add(new ReshapeOp([S, H, Dk]), null, b.Linear(x, D, $"attn.{role}")));
        var q = Heads("q_proj");
        var k = Heads("k_proj");
        var v = Heads("v_proj");
        var scores = b.Add(new ScalarBinaryOp(BinaryFunction.Mul, scale), null, b.Add(new MatMulOp(), null, q, b.Add(new TransposeOp([0, 2, 1]), null, k)));
        if (mask is not null) scores = b.Add(new WhereOp([S, S], ScalarB: double.NegativeInfinity), "attn.mask", scores);
        var weights = b.Add(new SoftmaxOp(-1), "attn.softmax", scores);
        var merged = b.Add(new ReshapeOp([S, D]), null, b.Add(new TransposeOp([1, 0, 2]), null, b.Add(new MatMulOp(), null, weights, v)));
        var y = b.Linear(merged, D, "attn.o_proj");
        var graph = softmaxAlsoOutput ? b.Build(y, weights) : b.Build(y);
        var model = Model<double>.Initialize(graph, new Rng(5));
        if (mask is not null)
        {
            var condition = new Tensor<double>(S, S);
            for (int i = 0; i < S; i++) for (int j = 0; j < S; j++) condition[i, j] = mask[i, j];
            model = model.WithParameters(new Dictionary<string, Tensor<double>> { ["attn.mask.condition"] = condition });
        }
        return (model, mask is not null);
    }

    private static double[,] Mask(Func<int, int, bool> keep)
    {
        var m = new double[S, S];
        for (int i = 0; i < S; i++) for (int j = 0; j < S; j++) m[i, j] = keep(i, j) ? 1 : 0;
        return m;
    }

    private static void AssertSameOutputs(Model<double> model, Model<double> back)
    {
        var x = Tensor<double>.RandomNormal(new Rng(11), [3, S, D]);
        for (int i = 0; i < model.Graph.Outputs.Count; i++)
        {
            double diff = model.Predict(x)[i].MaxAbsDiff(back.Predict(x)[i]);
            Assert.True(diff <= 1e-12, $"output {i} differs by {diff:E2}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HandWrittenPatternIsFusedAndNamedAfterTheQProjection(bool causal)
    {
        var (model, _) = Decomposed(1 / Math.Sqrt(Dk), causal ? Mask((i, j) => j <= i) : null);
        var back = RoundTrip(model);
        var fused = Assert.Single(back.Graph.Nodes, n => n.Op is AttentionOp);
        Assert.Equal(new Node("attn", new AttentionOp(D, H, H, causal), ["input"]), fused);
        Assert.Equal(["attn"], back.Graph.Outputs);
        Assert.Equal(0.0, model["attn.k_proj.weight"].MaxAbsDiff(back["attn.k_proj.weight"]));
        AssertSameOutputs(model, back);
    }

    public static TheoryData<string> Mismatches => new() { "wrong-scale", "anti-causal-mask", "causal-mask-without-diagonal", "padding-mask", "softmax-read-outside" };

    [Theory, MemberData(nameof(Mismatches))]
    public void NearMissesAreLeftDecomposedAndStillCompute(string mismatch)
    {
        double scale = 1 / Math.Sqrt(Dk);
        var (model, _) = mismatch switch
        {
            "wrong-scale" => Decomposed(0.5, Mask((i, j) => j <= i)),
            "anti-causal-mask" => Decomposed(scale, Mask((i, j) => j >= i)),
            "causal-mask-without-diagonal" => Decomposed(scale, Mask((i, j) => j < i || i == 0)),
            "padding-mask" => Decomposed(scale, Mask((i, j) => j < S - 1)),
            "softmax-read-outside" => Decomposed(scale, null, softmaxAlsoOutput: true),
            _ => throw new ArgumentException(mismatch),
        };
        var back = RoundTrip(model);
        Assert.DoesNotContain(back.Graph.Nodes, n => n.Op is AttentionOp);
        Assert.Contains(back.Graph.Nodes, n => n.Op is SoftmaxOp);
        Assert.Equal(model.Graph.Parameters.Select(p => p.Name).Order(), back.Graph.Parameters.Select(p => p.Name).Order());
        AssertSameOutputs(model, back);
    }

    // ---- decomposed RMS norm ----------------------------------------------------------------------------------

    /// <summary>x / √(mean(x^power) + ε) · weight written out in primitive ops; optionally the mean is a second output.</summary>
    private static Model<double> DecomposedRmsNorm(double power, bool meanAlsoOutput)
    {
        var b = new GraphBuilder("rms");
        var x = b.Input("input", S, D);
        var mean = b.Add(new ReduceMeanOp(1), "norm.mean", b.Add(new ScalarBinaryOp(BinaryFunction.Pow, power), null, x));
        var std = b.Add(new ElementwiseUnaryOp(UnaryFunction.Sqrt), null, b.Add(new ScalarBinaryOp(BinaryFunction.Add, 1e-6), null, b.Add(new ReshapeOp([S, 1]), null, mean)));
        var y = b.Add(new ParameterBinaryOp(BinaryFunction.Mul, [D]), "norm", b.Add(new ElementwiseBinaryOp(BinaryFunction.Div), null, x, std));
        var graph = meanAlsoOutput ? b.Build(y, mean) : b.Build(y);
        var model = Model<double>.Initialize(graph, new Rng(5));
        return model.WithParameters(new Dictionary<string, Tensor<double>> { ["norm.weight"] = Tensor<double>.RandomUniform(new Rng(6), 0.5, 1.5, [D]) });
    }

    [Theory]
    [InlineData(2.0, false, true)]
    [InlineData(4.0, false, false)]
    [InlineData(2.0, true, false)]
    public void DecomposedRmsNormIsFusedOnlyWhenExact(double power, bool meanAlsoOutput, bool fused)
    {
        var model = DecomposedRmsNorm(power, meanAlsoOutput);
        var back = RoundTrip(model);
        Assert.Equal(fused, back.Graph.Nodes.Any(n => n.Op is RmsNormOp));
        if (fused) Assert.Equal(new Node("norm", new RmsNormOp(D), ["input"]), Assert.Single(back.Graph.Nodes));
        AssertSameOutputs(model, back);
    }
}
