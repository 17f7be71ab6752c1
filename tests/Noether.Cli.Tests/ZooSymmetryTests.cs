using Noether.IO.Tests.OnnxZoo;

namespace Noether.Cli.Tests;

/// <summary>
/// The factors `inspect` derives on PyTorch exports of the ONNX zoo, stated per model (ZooVerbTests checks that a
/// random element keeps the function on ONNX Runtime).
/// </summary>
public class ZooSymmetryTests
{
    [Fact]
    public async Task TwoStackedLstmsEachGetOneSignedPermutationOfTheirHiddenUnitsAndNoNote()
    {
        var doc = await CliRunner.Json("inspect", ZooManifest.PathOf("generated/lstm.onnx"));
        var factors = doc.GetProperty("factors").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("group").GetString())).ToArray();
        Assert.Equal([("rnn.LSTM", "S_12 ⋉ {±1}^12"), ("rnn.LSTM_1", "S_12 ⋉ {±1}^12")], factors);
        Assert.Empty(doc.GetProperty("notes").EnumerateArray());
    }

    [Fact]
    public async Task LlamaSwiGluUpUnitsRescaleWithTheSharedPermutation()
    {
        var doc = await CliRunner.Json("inspect", ZooManifest.PathOf("generated/llama.onnx"));
        var mlp = doc.GetProperty("factors").EnumerateArray()
            .Where(f => f.GetProperty("name").GetString()!.Contains("mlp.gate_proj", StringComparison.Ordinal))
            .Select(f => f.GetProperty("group").GetString()).ToArray();
        Assert.Equal(["S_40 ⋉ ((R*)^40)", "S_40 ⋉ ((R*)^40)"], mlp);
    }

    /// <summary>
    /// HF-Llama attention (rotate_half rotary, repeat_kv with 4 query heads on 2 K/V heads) is fused: per layer the K/V
    /// heads permute, query heads permute within their group, (W_Q, W_K) admit a scaled rotation per rotary pair and
    /// (W_V, W_O) GL(d_k); with the SwiGLU and residual-stream factors nothing is left as a note.
    /// </summary>
    [Fact]
    public async Task LlamaRotaryGqaAttentionDerivesScaledRotationsPerPairAndNoNote()
    {
        var doc = await CliRunner.Json("inspect", ZooManifest.PathOf("generated/llama.onnx"));
        var groups = doc.GetProperty("factors").EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString()!, Group: f.GetProperty("group").GetString()!)).ToArray();
        Assert.Empty(doc.GetProperty("notes").EnumerateArray());
        var expected = new List<(string, string)> { ("embed_tokens", groups[0].Group) };
        for (int l = 0; l < 2; l++) expected.Add(($"layers.{l}.mlp.gate_proj.MatMul", "S_40 ⋉ ((R*)^40)"));
        for (int l = 0; l < 2; l++)
        {
            expected.Add(($"layers.{l}.self_attn.heads", "S_2"));
            for (int j = 0; j < 2; j++)
            {
                expected.Add(($"layers.{l}.self_attn.kv{j}.query_heads", "S_2"));
                expected.Add(($"layers.{l}.self_attn.kv{j}.qk", "(R+ × SO(2))^2"));
                expected.Add(($"layers.{l}.self_attn.kv{j}.vo", "GL(4)"));
            }
        }
        Assert.Equal(expected, groups);
        Assert.StartsWith("S_16 ⋉", groups[0].Group);
    }

    /// <summary>
    /// Transform by a random element keeps llama's function on ONNX Runtime; the same element with one rotary pair
    /// reflected, sheared, or with a generic GL(4) on (W_Q, W_K), or a query head swapped into the other K/V group,
    /// changes it (checked on ONNX Runtime through the written-back file).
    /// </summary>
    [Theory]
    [InlineData("group", true)]
    [InlineData("reflection", false)]
    [InlineData("shear", false)]
    [InlineData("gl", false)]
    [InlineData("cross-group", false)]
    public async Task LlamaKeepsItsFunctionOnlyInsideTheRotaryGroup(string map, bool same)
    {
        using var dir = new IO.Tests.TempDir();
        string model = ZooManifest.PathOf("generated/llama.onnx"), input = ZooManifest.PathOf("generated/llama.input.npy");
        var net = IO.OnnxImporter.Load<float>(model);
        var spec = Symmetry.Derivation.SymmetryDeriver.Derive(net.Graph);
        var moved = map switch
        {
            "group" => Symmetry.Actions.GroupAction.Apply(net, spec, spec.Random(new Tensors.Rng(3))),
            "cross-group" => SwapQueryHeads(net, "layers.0.self_attn", 1, 2, 4),
            _ => Symmetry.Actions.GroupAction.ApplyPerSegment(net, spec.Factors.First(f => f.Name == "layers.0.self_attn.kv0.qk"), _ => Outside(map)),
        };
        string written = dir.File("moved.onnx");
        Assert.Null(IO.OnnxWriteBack.TrySave(model, moved, written));
        var (code, output, _) = await CliRunner.Run("verify", model, written, "--input", input, "--engine", "onnxruntime");
        Assert.True(same ? code == 0 : code == 1, $"{map}: exit {code}: {output}");
    }

    private static Symmetry.Groups.MatrixElement Outside(string map)
    {
        var m = Tensors.Tensor<double>.Eye(4);
        switch (map)
        {
            case "reflection": m[2, 2] = -1; break; // pair 0 is (0, 2) with rotate_half
            case "shear": m[0, 2] = 0.5; break;
            default: m = Symmetry.Groups.Group.GeneralLinear(4).Random(new Tensors.Rng(5)).ToMatrix(); break;
        }
        return new Symmetry.Groups.MatrixElement(m);
    }

    /// <summary>Query heads a and b (in different K/V groups) swapped, with W_O's columns.</summary>
    private static Nn.Model<float> SwapQueryHeads(Nn.Model<float> net, string node, int a, int b, int dk)
    {
        var q = net[$"{node}.q_proj.weight"].Clone(); var o = net[$"{node}.o_proj.weight"].Clone();
        for (int r = 0; r < dk; r++)
        {
            for (int c = 0; c < q.Dim(1); c++) (q[a * dk + r, c], q[b * dk + r, c]) = (q[b * dk + r, c], q[a * dk + r, c]);
            for (int c = 0; c < o.Dim(0); c++) (o[c, a * dk + r], o[c, b * dk + r]) = (o[c, b * dk + r], o[c, a * dk + r]);
        }
        return net.WithParameters(new Dictionary<string, Tensors.Tensor<float>> { [$"{node}.q_proj.weight"] = q, [$"{node}.o_proj.weight"] = o });
    }

    /// <summary>
    /// Attention as PyTorch exports it (separate q/k/v, or one qkv Linear and split; kᵀ folded into one transpose; a
    /// causal buffer through masked_fill; timm's qkv reshape + permute + unbind; nn.MultiheadAttention's moved and
    /// merged batch axis with a packed in_proj).
    /// </summary>
    [Theory]
    [InlineData("sdpa", 1, 4, 4)]
    [InlineData("nanogpt_split", 1, 4, 4)]
    [InlineData("gpt2_tied", 2, 2, 8)]
    [InlineData("gpt2_untied", 2, 2, 8)]
    [InlineData("vit_timm", 2, 2, 8)]
    [InlineData("mha_encoder", 2, 2, 8)]
    [InlineData("einsum_attention", 1, 2, 8)]
    public async Task AttentionExportsDeriveHeadPermutationsAndPerHeadLinearMaps(string model, int layers, int heads, int dk)
    {
        var doc = await CliRunner.Json("inspect", ZooManifest.PathOf($"generated/{model}.onnx"));
        var groups = doc.GetProperty("factors").EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString()!, Group: f.GetProperty("group").GetString()!)).ToArray();
        Assert.Equal(layers, groups.Count(g => g.Name.EndsWith(".heads", StringComparison.Ordinal) && g.Group == $"S_{heads}"));
        Assert.Equal(layers * heads, groups.Count(g => g.Name.EndsWith(".qk", StringComparison.Ordinal) && g.Group == $"GL({dk})"));
        Assert.Equal(layers * heads, groups.Count(g => g.Name.EndsWith(".vo", StringComparison.Ordinal) && g.Group == $"GL({dk})"));
        // Nothing left unproven: token and position lookups are embeddings, attention is fused.
        Assert.Empty(doc.GetProperty("notes").EnumerateArray());
        // A token model's residual stream (embedding, positions, LayerNorms) admits permutations with per-segment
        // scalings; the SDPA block reads a fixed float input, so its stream has no factor.
        // nn.TransformerEncoder's post-norm stream starts at the fixed float input, so it keeps only a diagonal.
        if (model is not ("sdpa" or "mha_encoder" or "einsum_attention")) Assert.StartsWith("S_16 ⋉", groups[0].Group);
    }
}
