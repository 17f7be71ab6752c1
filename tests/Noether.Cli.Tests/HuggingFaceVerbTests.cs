using System.Text.Json;
using Noether.IO;
using Noether.IO.Tests;
using Noether.IO.Tests.HuggingFace;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>
/// Hugging Face checkpoint folders through the verbs: inspect derives the Llama group (head permutations, GQA, rotary
/// pairs, SwiGLU scalings; O(d) with --fold-norms), run reproduces the golden logits from int64 token ids, transform and
/// canonicalize write checkpoints with the source's tensor names, element types and shards that verify as the same
/// function.
/// </summary>
public sealed class HuggingFaceVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task InspectOfLlamaListsHeadPermutationsGqaRotaryPairsAndSwiGluScalings()
    {
        var json = await CliRunner.Json("inspect", HfTestData.Folder("llama3-gqa"));
        var factors = json.GetProperty("factors").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f);
        string Group(string name) => factors[name].GetProperty("group").GetString()!;
        // 4 query heads over 2 K/V heads: the K/V heads permute (each with its 2 query heads), query heads permute within a group.
        Assert.Equal("S_2", Group("model.layers.0.self_attn.heads"));
        Assert.Equal("S_2", Group("model.layers.1.self_attn.kv1.query_heads"));
        // Rotary: per K/V head, a scaled rotation per pair of the 16-wide head (8 pairs); values and outputs GL(16).
        Assert.Equal("(R+ × SO(2))^8", Group("model.layers.0.self_attn.kv0.qk"));
        Assert.Equal("GL(16)", Group("model.layers.0.self_attn.kv1.vo"));
        // SwiGLU: the 96 hidden units permute, and the up projection's units scale (absorbed by down_proj).
        var mlp = factors["model.layers.1.mlp.gate_proj"];
        Assert.Equal("S_96 ⋉ ((R*)^96)", mlp.GetProperty("group").GetString());
        var bindings = mlp.GetProperty("bindings").EnumerateArray().Select(b => b.GetString()!).ToArray();
        Assert.Contains(bindings, b => b.Contains("model.layers.1.mlp.up_proj.weight"));
        Assert.Contains(bindings, b => b.Contains("model.layers.1.mlp.down_proj.weight"));
        Assert.DoesNotContain(factors.Keys, k => k.Contains("O(", StringComparison.Ordinal));
        // Folding the RMSNorm gains leaves the residual stream O(d).
        var folded = await CliRunner.Json("inspect", HfTestData.Folder("llama3-gqa"), "--fold-norms");
        var stream = folded.GetProperty("factors").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "model.embed_tokens");
        Assert.Equal("O(64)", stream.GetProperty("group").GetString());
    }

    [Theory]
    [InlineData("llama3-gqa")]
    [InlineData("mistral-bf16-sharded")]
    [InlineData("gpt2")]
    public async Task RunOnInt64TokenIdsGivesTheGoldenLogits(string name)
    {
        var folder = HfTestData.Folder(name);
        var (code, _, err) = await CliRunner.Run("run", folder, "--input", Path.Combine(folder, "input_ids.npy"), "--output-dir", _dir.File("out"));
        Assert.True(code == 0, err);
        var logits = Npy.Read<double>(_dir.File("out/output_0.npy"));
        var golden = Npy.Read<double>(Path.Combine(folder, "logits.npy"));
        Assert.Equal(golden.ShapeArray(), logits.ShapeArray());
        Assert.True(HfTestData.Relative(logits, golden) <= 1e-4);
    }

    [Theory]
    [InlineData("transform", "llama3-gqa")]
    [InlineData("canonicalize", "llama3-gqa")]
    [InlineData("transform", "qwen2")]
    [InlineData("canonicalize", "gpt2")]
    public async Task WrittenCheckpointsComputeTheSameFunction(string verb, string name)
    {
        var folder = HfTestData.Folder(name);
        var output = _dir.File("out");
        var (code, _, err) = await CliRunner.Run(verb == "transform" ? ["transform", folder, "--random", "--seed", "5", "--out", output] : [verb, folder, "--out", output]);
        Assert.True(code == 0, err);
        var (same, report, why) = await CliRunner.Run("verify", folder, output, "--input", Path.Combine(folder, "input_ids.npy"));
        Assert.True(same == 0, report + why);
        var (random, report2, why2) = await CliRunner.Run("verify", folder, output);
        Assert.True(random == 0, report2 + why2);
        // The weights did move.
        using var a = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(output, "model.safetensors"));
        Assert.True(a.Read<double>(a.Entries[0].Name).MaxAbsDiff(b.Read<double>(a.Entries[0].Name)) > 1e-3);
    }

    /// <summary>
    /// The sharded bfloat16 checkpoint: same shard files, each holding the same tensor names in BF16, a fresh index; the
    /// function equals the source's up to bfloat16 rounding of the moved weights (≤ 5e-2 relative; 1e-5 is not reachable).
    /// </summary>
    [Fact]
    public async Task ShardedBfloat16CheckpointKeepsItsShardsNamesAndTypes()
    {
        var folder = HfTestData.Folder("mistral-bf16-sharded");
        var output = _dir.File("moved");
        var (code, _, err) = await CliRunner.Run("transform", folder, "--random", "--seed", "2", "--out", output);
        Assert.True(code == 0, err);
        var shards = Directory.EnumerateFiles(folder, "*.safetensors").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(shards, Directory.EnumerateFiles(output, "*.safetensors").Select(Path.GetFileName).Order().ToArray());
        foreach (var shard in shards)
        {
            using var a = SafetensorsFile.Open(Path.Combine(folder, shard!));
            using var b = SafetensorsFile.Open(Path.Combine(output, shard!));
            Assert.Equal(a.Entries.Select(e => (e.Name, e.Dtype, string.Join(",", e.Shape))).Order(), b.Entries.Select(e => (e.Name, e.Dtype, string.Join(",", e.Shape))).Order());
            Assert.All(b.Entries, e => Assert.Equal(SafetensorsDtype.BF16, e.Dtype));
        }
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "model.safetensors.index.json")));
        using var before = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model.safetensors.index.json")));
        Assert.Equal(before.RootElement.GetProperty("weight_map").ToString(), index.RootElement.GetProperty("weight_map").ToString());
        Assert.Equal(before.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64(), index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var json = await CliRunner.Run("verify", folder, output, "--input", Path.Combine(folder, "input_ids.npy"), "--tolerance", "5e-2", "--json");
        Assert.True(json.Code == 0, json.Out + json.Err);
        Assert.True(JsonDocument.Parse(json.Out).RootElement.GetProperty("max_rel_diff").GetDouble() > 1e-5, "bf16 rounding should be visible");
    }

    [Fact]
    public async Task FoldedNormsUntieTheEmbeddingAndLmHead()
    {
        var folder = HfTestData.Folder("llama-tied");
        var output = _dir.File("folded");
        var (code, stdout, err) = await CliRunner.Run("transform", folder, "--random", "--fold-norms", "--out", output);
        Assert.True(code == 0, err);
        Assert.Contains("tie_word_embeddings false", stdout);
        Assert.Contains("\"tie_word_embeddings\": false", File.ReadAllText(Path.Combine(output, "config.json")));
        using (var f = SafetensorsFile.Open(Path.Combine(output, "model.safetensors")))
        {
            Assert.True(f.Contains("lm_head.weight"));
            Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, f.Read<double>($"model.layers.{i}.input_layernorm.weight").ToArray().Distinct().Single()));
        }
        var (same, report, why) = await CliRunner.Run("verify", folder, output);
        Assert.True(same == 0, report + why);
    }

    [Fact]
    public async Task ExistingOutputFoldersNeedOverwriteAndTheInputIsNeverAnOutput()
    {
        var folder = HfTestData.Copy("llama-tied", _dir.Path);
        var output = Directory.CreateDirectory(_dir.File("taken")).FullName;
        File.WriteAllText(Path.Combine(output, "keep.txt"), "x");
        var (code, _, err) = await CliRunner.Run("canonicalize", folder, "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("--overwrite", err);
        Assert.True(File.Exists(Path.Combine(output, "keep.txt")));
        (code, _, err) = await CliRunner.Run("canonicalize", folder, "--out", folder, "--overwrite");
        Assert.Equal(2, code);
        Assert.Contains("input", err);
        (code, _, err) = await CliRunner.Run("canonicalize", folder, "--out", output, "--overwrite");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
    }
}

/// <summary>
/// transform on a checkpoint streams: each tensor is read from the map, moved by GroupAction.ApplyToParameter and
/// written. The result equals the whole-model action (GroupAction.Apply on the float64 model, same seed) up to the
/// one rounding to the stored type.
/// </summary>
public sealed class HuggingFaceStreamedTransformTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("llama3-gqa")]
    [InlineData("gpt2")]
    public async Task StreamedTransformEqualsTheWholeModelAction(string name)
    {
        var folder = HfTestData.Folder(name);
        var output = _dir.File("moved");
        var (code, stdout, err) = await CliRunner.Run("transform", folder, "--random", "--seed", "11", "--out", output);
        Assert.True(code == 0, err);
        Assert.Contains("a tensor at a time", stdout);
        var model = Noether.IO.HuggingFace.HuggingFaceCheckpoint.Load<double>(folder);
        var spec = Noether.Symmetry.Derivation.SymmetryDeriver.Derive(model.Graph);
        var whole = Noether.Symmetry.Actions.GroupAction.Apply(model, spec, spec.Random(new Rng(11)));
        var streamed = Noether.IO.HuggingFace.HuggingFaceCheckpoint.Load<double>(output);
        foreach (var (key, value) in whole.Parameters)
        {
            double scale = value.ToArray().Max(Math.Abs);
            Assert.True(streamed[key].MaxAbsDiff(value) <= 1e-6 * scale, $"{name}: {key} differs by {streamed[key].MaxAbsDiff(value):E2}");
        }
        Assert.True(model["lm_head.weight"].MaxAbsDiff(streamed["lm_head.weight"]) > 1e-3);
    }
}
