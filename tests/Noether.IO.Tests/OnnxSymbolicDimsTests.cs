using Noether.IO.Tests.OnnxZoo;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Symbolic input sizes besides the batch are pinned at import (<see cref="OnnxImportOptions"/>); scalar inputs and
/// recurrent states with the batch on axis 1 load with their batch axis recorded.
/// </summary>
public class OnnxSymbolicDimsTests
{
    private static string Zoo(string name) => ZooManifest.PathOf(ZooManifest.Get(name).File);

    /// <summary>Pinned at the manifest's input sizes, the recurrent, attention and OCR models match their goldens.</summary>
    [Theory]
    [InlineData("lstm", "sequence")]
    [InlineData("gru", "sequence")]
    [InlineData("sdpa", "sequence")]
    [InlineData("paddleocr_cls", "p2o.DynamicDimension.1", "p2o.DynamicDimension.2")]
    [InlineData("paddleocr_rec", "p2o.DynamicDimension.1")]
    public void PinnedAtTheInputSizeTheModelMatchesItsGolden(string name, params string[] symbols)
    {
        var zoo = ZooManifest.Get(name);
        var x = Npy.Read<double>(ZooManifest.PathOf(zoo.Inputs[0].File));
        var declared = OnnxImporter.SymbolicDims(Zoo(name));
        Assert.Equal(symbols.Order(), declared.Keys.Order());
        var dims = symbols.ToDictionary(s => s, s => x.Dim(declared[s].Axis));
        var model = OnnxImporter.Load<double>(Zoo(name), OnnxImportOptions.WithDims(dims));
        Assert.Equal(symbols.Order(), model.Graph.Inputs[0].Pinned.Select(p => p.Symbol).Order());
        var y = model.Predict([x])[0];
        var golden = Npy.Read<double>(ZooManifest.PathOf(zoo.Outputs[0].Golden));
        Assert.Equal(golden.ShapeArray(), y.ShapeArray());
        Assert.True(ZooDriver.RelativeDifference(y, golden) <= 1e-5);
    }

    [Fact]
    public void DefaultPinIsRecordedAndAnotherSizeIsRefusedWithTheSymbolNamed()
    {
        var model = OnnxImporter.Load<double>(Zoo("lstm"));
        var input = model.Graph.Inputs[0];
        Assert.Equal([OnnxImportOptions.DefaultSize, 6], input.Shape);
        Assert.Equal(["sequence", null], input.Symbols!);
        var x = Npy.Read<double>(ZooManifest.PathOf(ZooManifest.Get("lstm").Inputs[0].File)); // [2, 9, 6]
        var e = Assert.Throws<ArgumentException>(() => model.Predict([x]));
        Assert.Contains("'sequence' pinned to 16", e.Message);
        Assert.Contains("--dim sequence=9", e.Message);
    }

    [Fact]
    public void AnUnknownSymbolIsAnErrorListingTheFilesSymbols()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxImporter.Load<float>(Zoo("gru"), OnnxImportOptions.WithDims(new Dictionary<string, int> { ["seq"] = 4 })));
        Assert.Contains("'seq'", e.Message);
        Assert.Contains("'sequence' (input axis 1)", e.Message);
    }

    [Fact]
    public void AConvThatDownsamples32TimesIsPinnedLargerByDefault()
    {
        var model = OnnxImporter.Load<float>(Zoo("paddleocr_det"));
        Assert.All(model.Graph.Inputs[0].Pinned, p => Assert.True(p.Size >= 32, $"{p.Symbol} pinned to {p.Size}"));
    }

    [Fact]
    public void SileroV4LoadsWithAScalarSampleRateAndStatesBatchedOnAxis1()
    {
        var g = OnnxImporter.Load<float>(Zoo("silero_vad_v4")).Graph;
        var byName = g.Inputs.ToDictionary(i => i.Name);
        Assert.Equal(-1, byName["sr"].BatchAxis);
        Assert.Empty(byName["sr"].Shape);
        Assert.Equal("int64", byName["sr"].ElementType);
        Assert.Equal(1, byName["h"].BatchAxis);
        Assert.Equal([2, 64], byName["h"].Shape);
        Assert.Null(byName["h"].ElementType);
        Assert.Equal(0, byName["input"].BatchAxis);
        Assert.Equal("sequence", byName["input"].Symbols![0]);
        // The data-dependent If on the sample rate stays opaque.
        Assert.Contains(g.Nodes, n => n.Op is Nn.Operations.OpaqueOp { OpType: "If" });
    }

    [Fact]
    public void BatchAxisAndSymbolsRoundTripThroughGraphJson()
    {
        var g = OnnxImporter.Load<float>(Zoo("silero_vad_v4")).Graph;
        var back = GraphJson.Deserialize(GraphJson.Serialize(g));
        Assert.Equal(g.Inputs, back.Inputs);
        Assert.Equal(g.Inputs.Select(i => (i.BatchAxis, string.Join(",", i.Symbols ?? []))), back.Inputs.Select(i => (i.BatchAxis, string.Join(",", i.Symbols ?? []))));
    }

    /// <summary>
    /// GPT-2 imported at the default pinned sequence length, its MLP hidden units permuted (a symmetry), written back
    /// into its file: the file keeps ['batch', 'sequence'] and ONNX Runtime computes the original function at two
    /// sequence lengths, neither of them the pinned one.
    /// </summary>
    [Fact]
    public void Gpt2WrittenBackKeepsTheDynamicSequenceAndTheFunctionAtTwoLengths()
    {
        var path = Zoo("gpt2_untied");
        var model = OnnxImporter.Load<double>(path);
        Assert.Equal([OnnxImportOptions.DefaultSize], model.Graph.Inputs[0].Shape);
        var perm = Enumerable.Range(0, 64).Select(i => (i * 37 + 5) % 64).ToArray();
        var p = model.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value);
        double[] W1 = p["h.0.mlp.0.weight"].Contiguous().ToArray(), b1 = p["h.0.mlp.0.bias"].Contiguous().ToArray(), W2 = p["h.0.mlp.2.weight"].Contiguous().ToArray();
        p["h.0.mlp.0.weight"] = new Tensor<double>(Enumerable.Range(0, 64 * 16).Select(k => W1[perm[k / 16] * 16 + k % 16]).ToArray(), [64, 16]);
        p["h.0.mlp.0.bias"] = new Tensor<double>(Enumerable.Range(0, 64).Select(k => b1[perm[k]]).ToArray(), [64]);
        p["h.0.mlp.2.weight"] = new Tensor<double>(Enumerable.Range(0, 16 * 64).Select(k => W2[k / 64 * 64 + perm[k % 64]]).ToArray(), [16, 64]);
        using var dir = new TempDir();
        var output = dir.File("gpt2_permuted.onnx");
        Assert.Null(OnnxWriteBack.TrySave(path, new Model<double>(model.Graph, p), output));
        var (before, after) = (OnnxFile.ReadModel(path), OnnxFile.ReadModel(output));
        Assert.Equal(before.Graph.Input, after.Graph.Input);
        Assert.Equal("sequence", after.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimParam);
        Assert.NotEqual(before.Graph.Initializer, after.Graph.Initializer);
        using var a = OnnxRuntimeEngine.Open(path);
        using var b = OnnxRuntimeEngine.Open(output);
        var rng = new Random(3);
        foreach (int sequence in new[] { 7, 11 })
        {
            var tokens = Enumerable.Range(0, 2 * sequence).Select(_ => (long)rng.Next(64)).ToArray();
            var feeds = new Dictionary<string, TypedArray> { ["input"] = TypedArray.From(ArrayElementType.Int64, [2, sequence], tokens) };
            var (ya, yb) = (a.Run(feeds)[0].Value.ToTensor<double>(), b.Run(feeds)[0].Value.ToTensor<double>());
            Assert.Equal([2, sequence, 64], ya.ShapeArray());
            double rel = ZooDriver.RelativeDifference(yb, ya);
            Assert.True(rel <= 1e-5, $"sequence {sequence}: the written-back model differs by {rel:E2} relative");
        }
    }
}
