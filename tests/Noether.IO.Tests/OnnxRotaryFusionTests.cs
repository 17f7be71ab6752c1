using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Rotary attention through ONNX: the exporter writes it as standard ops (rotate_half, or a MatMul by a signed
/// permutation), the importer fuses it back with θ read off the tables, ONNX Runtime agrees with the fused graph, and
/// tables that match no θ are left decomposed.
/// </summary>
public class OnnxRotaryFusionTests
{
    public static TheoryData<string> Cases => new() { "half", "interleaved", "half-partial", "half-one-pair" };

    private static AttentionOp Attention(string name) => name switch
    {
        "half" => new AttentionOp(16, 4, 2, true, false, new RotaryEmbedding(10000, RotaryPairing.Half, 4)),
        "interleaved" => new AttentionOp(16, 4, 2, true, false, new RotaryEmbedding(500000, RotaryPairing.Interleaved, 4)),
        "half-partial" => new AttentionOp(24, 2, 2, false, true, new RotaryEmbedding(100, RotaryPairing.Half, 8)),
        "half-one-pair" => new AttentionOp(8, 2, 1, true, false, new RotaryEmbedding(10000, RotaryPairing.Half, 2)),
        _ => throw new ArgumentException(name),
    };

    private static Model<double> Block(AttentionOp attention)
    {
        var b = new GraphBuilder("rotary-block");
        var x = b.Linear(b.Input("input", 6, 5), attention.Model, "embed");
        var a = b.Add(attention, "blocks.0.attn", b.RmsNorm(x, "blocks.0.norm1"));
        return Model<double>.Initialize(b.Build(b.Linear(b.Residual(x, a, "blocks.0.add"), 3, "head")), new Rng(4));
    }

    [Theory, MemberData(nameof(Cases))]
    public void ExportedRotaryAttentionIsFusedBackAndOnnxRuntimeAgrees(string name)
    {
        var op = Attention(name);
        var model = Block(op);
        using var dir = new TempDir();
        var path = dir.File("model.onnx");
        OnnxExporter.Save(model, path);
        var back = OnnxImporter.Load<double>(path);
        var fused = Assert.Single(back.Graph.Nodes, n => n.Op is AttentionOp);
        Assert.Equal(new Node("blocks.0.attn", op, ["blocks.0.norm1"]), fused);
        var x = Tensor<double>.RandomNormal(new Rng(9), 3, 6, 5);
        Assert.True(model.Predict(x)[0].MaxAbsDiff(back.Predict(x)[0]) <= 1e-12);

        // float32: ONNX Runtime on the decomposed file, Noether on the fused graph.
        var path32 = dir.File("model32.onnx");
        OnnxExporter.Save(model.Cast<float>(), path32);
        var net = OrtOracle.AssertAgrees(OnnxFile.ReadModel(path32), 1e-5, x.Cast<float>());
        Assert.Contains(net.Graph.Nodes, n => n.Op is AttentionOp { Rotary: not null });
    }

    [Theory]
    [InlineData("sin-entry")]
    [InlineData("cos-theta")]
    public void TablesThatMatchNoThetaAreLeftDecomposed(string change)
    {
        var model = Block(Attention("half"));
        using var dir = new TempDir();
        var path = dir.File("model.onnx");
        OnnxExporter.Save(model.Cast<float>(), path);
        var proto = OnnxFile.ReadModel(path);
        var tables = proto.Graph.Initializer.Where(t => t.Name.Contains(change == "sin-entry" ? "/sin_" : "/cos_", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tables.Count); // q and k
        var t = tables[0];
        var values = OnnxTensors.Decode(t, "test").Data.ToArray();
        if (change == "sin-entry") values[3 * 4 + 1] *= 1.01; // position 3, pair 1
        else
        {
            // q's cos table for θ = 20000 (its sin table still says 10000).
            var (cos, _, _) = new RotaryEmbedding(20000, RotaryPairing.Half, 4).Tables(6, 4);
            values = cos.ToArray();
        }
        var replaced = OnnxTensors.Encode(t.Name, Tensor<double>.FromArray(values, t.Dims.Select(d => (int)d).ToArray()).Cast<float>());
        proto.Graph.Initializer[proto.Graph.Initializer.IndexOf(t)] = replaced;
        var x = Tensor<double>.RandomNormal(new Rng(9), 3, 6, 5).Cast<float>();
        var net = OrtOracle.AssertAgrees(proto, 1e-5, x);
        Assert.DoesNotContain(net.Graph.Nodes, n => n.Op is AttentionOp);
        Assert.Contains(net.Graph.Nodes, n => n.Op is SoftmaxOp);
    }

    [Fact]
    public void ThetaIsRecoveredFromFloat32Tables()
    {
        foreach (double theta in new[] { 10000.0, 500000.0, 1e6, 1234.5 })
        {
            var rope = new RotaryEmbedding(theta, RotaryPairing.Half, 8);
            var (cos, sin, rotate) = rope.Tables(64, 8);
            var got = AttentionFusion.Recover(cos.Cast<float>().Cast<double>(), sin.Cast<float>().Cast<double>(), rotate, 8);
            Assert.NotNull(got);
            Assert.True(Math.Abs(got!.Theta - theta) <= 1e-4 * theta, $"θ {theta} recovered as {got.Theta}");
            Assert.Equal(RotaryPairing.Half, got.Pairing);
        }
    }
}
