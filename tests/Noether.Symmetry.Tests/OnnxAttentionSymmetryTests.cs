using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// Transformers exported to ONNX (attention written out as primitives) and imported again derive the same group as
/// the originals: the importer fuses the attention back, so head permutations and per-head GL(d_k) are recovered.
/// </summary>
public class OnnxAttentionSymmetryTests
{
    public static TheoryData<string> Transformers => new() { "standard", "causal-gqa", "causal-gqa-rmsnorm", "no-bias" };

    private static Graph Build(string name) => name switch
    {
        "standard" => Builders.Transformer(6, 5, 3, model: 8, heads: 2, kvHeads: 2, layers: 1),
        "causal-gqa" => Builders.Transformer(6, 5, 3, model: 8, heads: 4, kvHeads: 2, layers: 2, causal: true, activation: Activation.Silu),
        "causal-gqa-rmsnorm" => Builders.Transformer(6, 5, 3, model: 8, heads: 4, kvHeads: 2, layers: 2, causal: true, norm: "rmsnorm", activation: Activation.Silu),
        "no-bias" => NoBiasBlock(),
        _ => throw new ArgumentException(name),
    };

    private static Graph NoBiasBlock()
    {
        var b = new GraphBuilder("no-bias");
        var x = b.Linear(b.Input("input", 6, 5), 8, "embed");
        var a = b.Add(new AttentionOp(8, 4, 2, Causal: true, Bias: false), "blocks.0.attn", b.LayerNorm(x, "blocks.0.norm1"));
        return b.Build(b.Linear(b.Add(new ReduceMeanOp(0), "pool", b.Residual(x, a, "blocks.0.add1")), 3, "head"));
    }

    [Theory, MemberData(nameof(Transformers))]
    public void ReimportedTransformerDerivesTheOriginalGroup(string name)
    {
        var graph = Build(name);
        var model = Model<double>.Initialize(graph, new Rng(3));
        var dir = Directory.CreateTempSubdirectory("noether-attn-");
        try
        {
            var path = System.IO.Path.Combine(dir.FullName, "model.onnx");
            OnnxExporter.Save(model, path);
            var back = OnnxImporter.Load<double>(path);
            Assert.Contains(back.Graph.Nodes, n => n.Op is AttentionOp);

            var original = SymmetryDeriver.Derive(graph);
            var reimported = SymmetryDeriver.Derive(back.Graph);
            Assert.Empty(reimported.Notes);
            Assert.Equal(original.Factors.Select(f => f.Group), reimported.Factors.Select(f => f.Group));
        }
        finally { dir.Delete(recursive: true); }
    }
}
