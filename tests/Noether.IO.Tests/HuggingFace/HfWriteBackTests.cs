using Noether.IO.HuggingFace;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests.HuggingFace;

/// <summary>
/// Writing checkpoints back: an unchanged model is written byte for byte as it was read (every shard, every tensor —
/// GPT-2's c_attn rebuilt from three transposed blocks, buffers copied, tied tensors written once), and the graphs
/// export to ONNX that ONNX Runtime, an independent engine, evaluates to the golden logits.
/// </summary>
public class HfWriteBackTests
{
    public static TheoryData<string> Checkpoints => HfGoldenTests.Checkpoints;

    [Theory, MemberData(nameof(Checkpoints))]
    public void AnUnchangedModelIsWrittenBackByteForByte(string name)
    {
        using var dir = new TempDir();
        var source = HfTestData.Folder(name);
        var model = HuggingFaceCheckpoint.Load<float>(source);
        var output = dir.File("copy");
        Assert.Null(HuggingFaceCheckpoint.Save(model, source, output));
        var shards = Directory.EnumerateFiles(source, "*.safetensors").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(shards, Directory.EnumerateFiles(output, "*.safetensors").Select(Path.GetFileName).Order().ToArray());
        foreach (var shard in shards)
        {
            using var a = SafetensorsFile.Open(Path.Combine(source, shard!));
            using var b = SafetensorsFile.Open(Path.Combine(output, shard!));
            Assert.Equal(a.Entries.Select(e => e.Name).Order(), b.Entries.Select(e => e.Name).Order());
            foreach (var e in a.Entries)
            {
                Assert.Equal(e.Dtype, b.GetEntry(e.Name).Dtype);
                Assert.True(a.RawBytes(e.Name).SequenceEqual(b.RawBytes(e.Name)), $"{name}: {shard}: tensor '{e.Name}' changed");
            }
            Assert.Equal("pt", b.Metadata!["format"]);
        }
        Assert.Equal(File.ReadAllText(Path.Combine(source, "config.json")), File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path).Where(p => Path.GetFileName(p) != "copy"));
    }

    [Fact]
    public void WrittenTensorsCarryTheModelsValuesInTheirStoredPlaces()
    {
        // GPT-2's k projection is the middle block of c_attn, transposed: change it and find the change there.
        using var dir = new TempDir();
        var source = HfTestData.Folder("gpt2");
        var model = HuggingFaceCheckpoint.Load<double>(source);
        var k = model["transformer.h.1.attn.k_proj.weight"].Clone();
        k[3, 5] += 1.5;
        var moved = model.WithParameters(new Dictionary<string, Tensor<double>> { ["transformer.h.1.attn.k_proj.weight"] = k });
        HuggingFaceCheckpoint.Save(moved, source, dir.File("out"));
        using var before = SafetensorsFile.Open(Path.Combine(source, "model.safetensors"));
        using var after = SafetensorsFile.Open(Path.Combine(dir.File("out"), "model.safetensors"));
        var diff = after.Read<double>("transformer.h.1.attn.c_attn.weight") - before.Read<double>("transformer.h.1.attn.c_attn.weight");
        Assert.Equal(1.5, diff[5, 32 + 3], 6); // [in 5, out d + 3]: d = 32
        Assert.Equal(1.5, diff.ToArray().Sum(Math.Abs), 6);
        var reloaded = HuggingFaceCheckpoint.Load<double>(dir.File("out"));
        Assert.Equal(0, reloaded["transformer.h.1.attn.k_proj.weight"].MaxAbsDiff(k), 6);
    }

    [Theory, MemberData(nameof(Checkpoints))]
    public void OnnxExportRunsInOnnxRuntimeToTheGoldenLogits(string name)
    {
        var folder = HfTestData.Folder(name);
        var ids = Npy.Read<float>(Path.Combine(folder, "input_ids.npy"));
        var model = HuggingFaceCheckpoint.Load<float>(folder, sequence: ids.Dim(1));
        using var engine = OnnxRuntimeEngine.FromModel(model, name);
        var y = engine.Run(new Dictionary<string, TypedArray> { [engine.Inputs[0].Name] = TypedArray.FromTensor(ids) })[0].Value.ToTensor<double>();
        var golden = Npy.Read<double>(Path.Combine(folder, "logits.npy"));
        Assert.True(HfTestData.Relative(y, golden) <= 1e-4, $"{name}: ONNX Runtime differs by {HfTestData.Relative(y, golden):E2}");
    }

    [Fact]
    public void GraphJsonRoundTripsTheFamiliesOps()
    {
        foreach (var name in new[] { "llama3-gqa", "qwen2", "gpt2", "llama-tied" })
        {
            var graph = HuggingFaceCheckpoint.Load<float>(HfTestData.Folder(name)).Graph;
            var back = GraphJson.Deserialize(GraphJson.Serialize(graph));
            Assert.Equal(graph.Nodes, back.Nodes);
        }
        var qwen = HuggingFaceCheckpoint.Load<float>(HfTestData.Folder("qwen2")).Graph;
        Assert.Contains(qwen.Nodes, n => n.Op is AttentionOp { Bias: true, OutputBias: false });
        var llama = HuggingFaceCheckpoint.Load<float>(HfTestData.Folder("llama3-gqa")).Graph;
        Assert.Contains(llama.Nodes, n => n.Op is AttentionOp { Rotary.Scaling.Kind: RotaryScalingKind.Llama3, KvHeads: 2, Heads: 4 });
    }
}

/// <summary>The exporter's attention with q/k/v biases and none on o_proj (Qwen2) fuses back on import.</summary>
public class HfOnnxFusionTests
{
    [Fact]
    public void Qwen2AttentionExportedAndImportedFusesWithItsOutputBiasSetting()
    {
        using var dir = new TempDir();
        var model = HuggingFaceCheckpoint.Load<float>(HfTestData.Folder("qwen2"), sequence: 8);
        var path = dir.File("qwen2.onnx");
        OnnxExporter.Save(model, path);
        var back = OnnxImporter.Load<float>(path);
        var fused = back.Graph.Nodes.Select(n => n.Op).OfType<AttentionOp>().ToArray();
        Assert.Equal(2, fused.Length);
        Assert.All(fused, a => Assert.True(a is { Bias: true, HasOutputBias: false, Rotary.Theta: 1000000 }, a.Describe()));
        // The embedding imports as an opaque Gather (a known limit of the importer), so compare the attention's parameters.
        foreach (var p in new[] { "q_proj.bias", "k_proj.weight", "v_proj.bias", "o_proj.weight" })
            Assert.Equal(0, back[$"model.layers.1.self_attn.{p}"].MaxAbsDiff(model[$"model.layers.1.self_attn.{p}"]));
        Assert.DoesNotContain("model.layers.1.self_attn.o_proj.bias", back.Parameters.Keys);
    }
}
