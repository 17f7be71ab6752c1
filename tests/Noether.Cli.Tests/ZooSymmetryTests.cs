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
        if (model is not ("sdpa" or "mha_encoder")) Assert.StartsWith("S_16 ⋉", groups[0].Group);
    }
}
