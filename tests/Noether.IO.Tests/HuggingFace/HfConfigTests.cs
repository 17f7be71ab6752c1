using System.Text.Json.Nodes;
using Noether.IO.HuggingFace;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests.HuggingFace;

/// <summary>
/// What the configs decide, both ways: the rope scaling really changes the logits (without it they miss the golden),
/// and what the graph IR cannot express is refused with one line naming config.json and the key — yarn and longrope
/// scaling, a head_dim other than hidden / heads, a sliding window shorter than the sequence — as are index entries
/// that point outside the folder.
/// </summary>
public class HfConfigTests
{
    private static string Edited(TempDir dir, string name, Action<JsonNode> edit)
    {
        var folder = HfTestData.Copy(name, dir.Path);
        var path = Path.Combine(folder, "config.json");
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
        return folder;
    }

    [Theory]
    [InlineData("llama3-gqa")]
    [InlineData("llama-tied")]
    public void WithoutItsRopeScalingTheModelMissesTheGoldenLogits(string name)
    {
        var folder = HfTestData.Folder(name);
        var ids = Npy.Read<double>(Path.Combine(folder, "input_ids.npy"));
        var model = HuggingFaceCheckpoint.Load<double>(folder, sequence: ids.Dim(1));
        var plain = model.Graph.Nodes.Select(n => n.Op is AttentionOp a ? n with { Op = a with { Rotary = a.Rotary! with { Scaling = null } } } : n).ToArray();
        var unscaled = new Model<double>(new Graph(model.Graph.Inputs, plain, model.Graph.Outputs), model.Parameters);
        var golden = Npy.Read<double>(Path.Combine(folder, "logits.npy"));
        Assert.True(HfTestData.Relative(model.Predict(ids)[0], golden) <= 1e-9);
        Assert.True(HfTestData.Relative(unscaled.Predict(ids)[0], golden) > 1e-3);
    }

    [Fact]
    public void LinearScalingAtDoubleThePositionIsTheUnscaledAngle()
    {
        var plain = new RotaryEmbedding(10000, RotaryPairing.Half, 8).Tables(10, 8);
        var scaled = new RotaryEmbedding(10000, RotaryPairing.Half, 8, new RotaryScaling(RotaryScalingKind.Linear, 2)).Tables(20, 8);
        for (int p = 0; p < 10; p++)
            for (int j = 0; j < 8; j++)
            {
                Assert.Equal(plain.Cos[p, j], scaled.Cos[2 * p, j], 12);
                Assert.Equal(plain.Sin[p, j], scaled.Sin[2 * p, j], 12);
            }
    }

    [Theory]
    [InlineData("yarn", "rope_scaling type 'yarn'")]
    [InlineData("longrope", "rope_scaling type 'longrope'")]
    [InlineData("head_dim", "head_dim 8 differs")]
    [InlineData("window", "sliding_window 4 is shorter than the sequence of 16")]
    [InlineData("act", "\"hidden_act\" names an activation")]
    [InlineData("heads", "hidden_size 64 is not a multiple of num_attention_heads 5")]
    [InlineData("llama3-missing", "\"rope_scaling.low_freq_factor\" is missing")]
    public void WhatTheGraphCannotExpressIsRefusedNamingTheConfig(string how, string expected)
    {
        using var dir = new TempDir();
        var folder = Edited(dir, how == "window" ? "mistral-bf16-sharded" : "llama3-gqa", c =>
        {
            switch (how)
            {
                case "yarn": c["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 }; break;
                case "longrope": c["rope_scaling"] = new JsonObject { ["type"] = "longrope", ["factor"] = 4.0 }; break;
                case "head_dim": c["head_dim"] = 8; break;
                case "window": c["sliding_window"] = 4; break;
                case "act": c["hidden_act"] = "xielu"; break;
                case "heads": c["num_attention_heads"] = 5; break;
                case "llama3-missing": c["rope_scaling"]!.AsObject().Remove("low_freq_factor"); break;
            }
        });
        var e = Assert.ThrowsAny<Exception>(() => HuggingFaceCheckpoint.Load<float>(folder));
        Assert.True(e is NotSupportedException or InvalidDataException, e.GetType().Name);
        Assert.Contains("config.json", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DynamicScalingWithinTheTrainedLengthIsTheUnscaledModel()
    {
        using var dir = new TempDir();
        var folder = Edited(dir, "llama3-gqa", c => c["rope_scaling"] = new JsonObject { ["type"] = "dynamic", ["factor"] = 2.0 });
        var model = HuggingFaceCheckpoint.Load<float>(folder, sequence: 8);
        Assert.All(model.Graph.Nodes.Select(n => n.Op).OfType<AttentionOp>(), a => Assert.Null(a.Rotary!.Scaling));
        Assert.Throws<NotSupportedException>(() => HuggingFaceCheckpoint.Load<float>(folder, sequence: 65)); // max_position_embeddings 64
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/passwd.safetensors")]
    [InlineData("sub/model.safetensors")]
    [InlineData("model.bin")]
    public void IndexEntriesMustBeSafetensorsFilesInTheFolder(string shard)
    {
        using var dir = new TempDir();
        var folder = HfTestData.Copy("mistral-bf16-sharded", dir.Path);
        var index = Path.Combine(folder, "model.safetensors.index.json");
        var node = JsonNode.Parse(File.ReadAllText(index))!;
        node["weight_map"]!["model.norm.weight"] = shard;
        File.WriteAllText(index, node.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load<float>(folder));
        Assert.Contains("model.safetensors.index.json", e.Message);
        Assert.Contains("model.norm.weight", e.Message);
    }

    [Fact]
    public void AFolderWithoutWeightsSaysWhatItNeeds()
    {
        using var dir = new TempDir();
        var folder = HfTestData.Copy("qwen2", dir.Path);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        var e = Assert.Throws<FileNotFoundException>(() => HuggingFaceCheckpoint.Load<float>(folder));
        Assert.Contains("model.safetensors.index.json", e.Message);
    }

    [Fact]
    public void AnIntegerWeightTensorIsRefused()
    {
        using var dir = new TempDir();
        var folder = HfTestData.Copy("qwen2", dir.Path);
        var path = Path.Combine(folder, "model.safetensors");
        using (var f = SafetensorsFile.Open(path))
        {
            var all = f.LoadAll().Select(t => t.Name == "model.norm.weight"
                ? SafetensorsTensor.Raw(t.Name, SafetensorsDtype.I32, [32], new byte[128]) : t).ToArray();
            f.Dispose();
            SafetensorsWriter.Write(path, all, new Dictionary<string, string> { ["format"] = "pt" });
        }
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load<float>(folder));
        Assert.Contains("model.norm.weight", e.Message);
        Assert.Contains("I32", e.Message);
    }
}
