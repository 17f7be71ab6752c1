using Google.Protobuf;
using Noether.Nn;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>
/// <see cref="OnnxWeightFile{T}"/>: an .onnx file opened and written a weight at a time imports as the importer reads
/// it, writes moved weights into a byte-identical copy of everything else, and refuses what it cannot place.
/// </summary>
public class OnnxWeightFileTests
{
    private static float[] Random(Rng rng, int n) => Tensor<float>.RandomNormal(rng, [n]).ToArray();

    /// <summary>Float initializers as raw little-endian bytes (as exporters write them), then saved.</summary>
    private static string Save(TempDir dir, ModelProto m, string name = "model.onnx")
    {
        foreach (var t in m.Graph.Initializer.Where(t => t.FloatData.Count > 0))
        {
            var bytes = new byte[t.FloatData.Count * 4];
            for (int i = 0; i < t.FloatData.Count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), t.FloatData[i]);
            t.FloatData.Clear();
            t.RawData = ByteString.CopyFrom(bytes);
        }
        var path = dir.File(name);
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    /// <summary>x [N, 16] → Gemm (B [in, out]) → Relu → MatMul [in, out] + bias → Relu → Gemm (transB = 1) → y; metadata and doc strings.</summary>
    private static ModelProto Mlp(float alpha = 1)
    {
        var rng = new Rng(5);
        var m = new OnnxModelBuilder(13).Input("x", -1, 16)
            .Floats("fc1.weight", [16, 32], Random(rng, 512)).Floats("fc1.bias", [32], Random(rng, 32))
            .Floats("fc2.weight", [32, 32], Random(rng, 1024)).Floats("fc2.bias", [32], Random(rng, 32))
            .Floats("head.weight", [10, 32], Random(rng, 320)).Floats("head.bias", [10], Random(rng, 10))
            .Node("Gemm", ["x", "fc1.weight", "fc1.bias"], "h1", ("alpha", alpha))
            .Node("Relu", ["h1"], "a1")
            .Node("MatMul", ["a1", "fc2.weight"], "m2")
            .Node("Add", ["m2", "fc2.bias"], "h2")
            .Node("Relu", ["h2"], "a2")
            .Node("Gemm", ["a2", "head.weight", "head.bias"], "y", ("transB", 1L))
            .Output("y").Build();
        m.Graph.DocString = "a small MLP";
        m.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "test" });
        return m;
    }

    /// <summary>Permutes and positively rescales the hidden units between two Linear layers (ReLU commutes): same function.</summary>
    private static void Move(Model<float> m, string first, string second)
    {
        var w1 = m[$"{first}.weight"]; var b1 = m[$"{first}.bias"]; var w2 = m[$"{second}.weight"];
        int h = b1.Length, inF = w1.Dim(1), outF = w2.Dim(0);
        var (ow1, ob1, ow2) = (w1.ToArray(), b1.ToArray(), w2.ToArray());
        var s1 = w1.Storage.Span; var sb = b1.Storage.Span; var s2 = w2.Storage.Span;
        for (int i = 0; i < h; i++)
        {
            int p = h - 1 - i;
            float scale = 0.5f + i;
            for (int j = 0; j < inF; j++) s1[i * inF + j] = ow1[p * inF + j] * scale;
            sb[i] = ob1[p] * scale;
            for (int o = 0; o < outF; o++) s2[o * h + i] = ow2[o * h + p] / scale;
        }
    }

    private static float[] RunOrt(string path, Tensor<float> x)
    {
        using var engine = OnnxRuntimeEngine.Open(path);
        return engine.Run(new Dictionary<string, TypedArray> { [engine.Inputs[0].Name] = TypedArray.FromTensor(x) })[0].Value.ToArray<float>();
    }

    [Fact]
    public void OpensAsTheImporterReadsTheFile()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        using var file = OnnxWeightFile<float>.TryOpen(path, null, out var reason);
        Assert.True(file is not null, reason);
        var classic = OnnxImporter.Load<float>(path);
        Assert.Equal(GraphJson.Serialize(classic.Graph), GraphJson.Serialize(file!.Model.Graph));
        foreach (var (name, value) in classic.Parameters) Assert.Equal(value.ToArray(), file.Model[name].ToArray());
    }

    [Fact]
    public void MovedWeightsAreWrittenIntoACopyOfTheFileAndOnnxRuntimeComputesTheSameFunction()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        var before = File.ReadAllBytes(path);
        string output = dir.File("moved.onnx");
        using (var file = OnnxWeightFile<float>.TryOpen(path, null, out var why))
        {
            Assert.True(file is not null, why);
            Move(file!.Model, "fc1", "fc2");
            Move(file.Model, "fc2", "head");
            var moved = file.Model.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
            Assert.Null(file.TrySave(output));
            var back = OnnxImporter.Load<float>(output);
            foreach (var (name, values) in moved) Assert.Equal(values, back[name].ToArray());
        }
        Assert.Equal(before, File.ReadAllBytes(path)); // the input is never touched
        var after = File.ReadAllBytes(output);
        Assert.Equal(before.Length, after.Length);
        // Outside the weights' bytes the files are identical (graph, names, metadata).
        using (var mapped = OnnxMappedModel.Open(path)!)
        {
            var inside = new bool[before.Length];
            foreach (var t in mapped.Stored) for (long i = t.Offset; i < t.Offset + t.Length; i++) inside[i] = true;
            Assert.Equal(0, Enumerable.Range(0, before.Length).Count(i => !inside[i] && before[i] != after[i]));
            Assert.Contains(Enumerable.Range(0, before.Length), i => inside[i] && before[i] != after[i]);
        }
        var x = Tensor<float>.RandomNormal(new Rng(2), [5, 16]);
        var (a, b) = (RunOrt(path, x), RunOrt(output, x));
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-4f);
    }

    [Fact]
    public void UnchangedModelIsWrittenByteForByte()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        using var file = OnnxWeightFile<float>.TryOpen(path, null, out var why)!;
        Assert.Null(file.TrySave(dir.File("same.onnx")));
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(dir.File("same.onnx")));
    }

    [Fact]
    public void TiedWeightsMayMoveTogetherButNotApart()
    {
        using var dir = new TempDir();
        var rng = new Rng(3);
        var m = new OnnxModelBuilder(13).Input("x", -1, 32).Floats("shared", [32, 32], Random(rng, 1024))
            .Node("MatMul", ["x", "shared"], "h").Node("Relu", ["h"], "a").Node("MatMul", ["a", "shared"], "y").Output("y").Build();
        var path = Save(dir, m);
        using var file = OnnxWeightFile<float>.TryOpen(path, null, out var why);
        Assert.True(file is not null, why);
        var names = file!.Model.Parameters.Keys.ToArray();
        Assert.Equal(2, names.Length);
        foreach (var n in names) { var s = file.Model[n].Storage.Span; for (int i = 0; i < s.Length; i++) s[i] *= 2; }
        Assert.Null(file.TrySave(dir.File("together.onnx")));
        var back = OnnxImporter.Load<float>(dir.File("together.onnx"));
        Assert.Equal(file.Model[names[0]].ToArray(), back[names[0]].ToArray());
        file.Model[names[0]].Storage.Span[0] += 1;
        var reason = file.TrySave(dir.File("apart.onnx"));
        Assert.Contains("tied weights moved apart", reason);
        Assert.False(File.Exists(dir.File("apart.onnx")));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*")); // no temporary left behind
    }

    [Fact]
    public void ComputedWeightsMayNotChange()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp(alpha: 2)); // fc1's weight is 2·B: computed, not copied
        using var file = OnnxWeightFile<float>.TryOpen(path, null, out var why);
        Assert.True(file is not null, why);
        Move(file!.Model, "fc2", "head"); // fc1 untouched
        Assert.Null(file.TrySave(dir.File("ok.onnx")));
        Move(file.Model, "fc1", "fc2");
        Assert.Contains("computed from the file's tensors", file.TrySave(dir.File("no.onnx")));
        Assert.False(File.Exists(dir.File("no.onnx")));
    }

    [Fact]
    public void ValuesBeyondTheStoredTypeAreRefusedNaming()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        using var file = OnnxWeightFile<double>.TryOpen(path, null, out var why)!;
        file.Model["fc2.weight"].Storage.Span[3] = 1e300;
        var reason = file.TrySave(dir.File("big.onnx"));
        Assert.Contains("fc2.weight", reason);
        Assert.Contains("does not fit", reason);
    }

    [Fact]
    public void TheInputIsNeverTheOutput()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        using var file = OnnxWeightFile<float>.TryOpen(path, null, out _)!;
        Assert.Throws<ArgumentException>(() => file.TrySave(path));
    }

    [Fact]
    public void HostileFilesAreDeclinedWithAReasonNotAnException()
    {
        using var dir = new TempDir();
        var good = File.ReadAllBytes(Save(dir, Mlp()));
        var rng = new System.Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = (byte[])good.Clone();
            if (trial % 2 == 0) bytes = bytes[..rng.Next(1, bytes.Length)];
            else for (int k = 0; k < 4; k++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            var path = dir.Write($"m{trial}.onnx", bytes);
            using var file = OnnxWeightFile<float>.TryOpen(path, null, out var reason);
            if (file is null) Assert.False(string.IsNullOrWhiteSpace(reason));
            else Assert.Null(file.TrySave(dir.File($"out{trial}.onnx")));
        }
    }

    [Fact]
    public void WireWalkLeavesOutOnlyTheRawData()
    {
        using var dir = new TempDir();
        var path = Save(dir, Mlp());
        var parsed = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        // Typed data stays in the structure.
        parsed.Graph.Initializer.Add(new TensorProto { Name = "typed", DataType = (int)DataType.Float, Dims = { 2 }, FloatData = { 1f, 2f } });
        File.WriteAllBytes(path, parsed.ToByteArray());
        using var mapped = OnnxMappedModel.Open(path)!;
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "head.weight", "head.bias"], mapped.Stored.Select(t => t.Name).ToArray());
        var expected = parsed.Clone();
        foreach (var t in expected.Graph.Initializer.Where(t => t.RawData.Length >= OnnxMappedModel.MinStoredBytes)) t.RawData = ByteString.Empty;
        Assert.Equal(expected, mapped.Structure);
        foreach (var t in mapped.Stored)
            Assert.Equal(parsed.Graph.Initializer.Single(i => i.Name == t.Name).RawData.ToByteArray(), mapped.Bytes(t).ToArray());
    }

    [Fact]
    public void TransposedTracesWalkTheSourceInOrder()
    {
        // A [3, 4] parameter that is the transpose of a [4, 3] source: element (i, j) comes from source (j, i).
        var trace = ParameterTrace.Of([3, 4], k => 100 + (k % 4) * 3 + k / 4, c => c >= 100 && c < 112 ? (0, c - 100) : (-1, -1));
        Assert.Equal([1, 3], trace.Strides!);
        var order = new int[12];
        Assert.Equal(12, trace.InSourceOrder(12)!.Fill(order));
        // Source element e = 3·j + i holds parameter element k = 4·i + j.
        Assert.Equal(Enumerable.Range(0, 12).Select(e => 4 * (e % 3) + e / 3).ToArray(), order);
        Assert.Null(trace.InSourceOrder(13)); // not the whole source
        var shuffled = ParameterTrace.Of([2, 2], k => new[] { 100, 103, 101, 102 }[k], c => (0, c - 100));
        Assert.Null(shuffled.Strides);
        Assert.Equal([100, 103, 101, 102], shuffled.Codes!);
    }
}
