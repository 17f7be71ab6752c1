using System.Text.Json;
using Google.Protobuf;
using Noether.IO;
using Noether.IO.Tests;
using Noether.Tensors;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.Cli.Tests;

/// <summary>run and verify with --engine: ONNX Runtime for what the graph IR cannot run, inputs bound by order or name.</summary>
public sealed class EngineVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>y = table[ids]: int64 token ids, which only ONNX Runtime runs.</summary>
    private string EmbeddingModel()
    {
        var table = Enumerable.Range(0, 10 * 2).Select(i => (float)i).ToArray();
        return new OnnxModelBuilder().Input("ids", DataType.Int64, -1, 3).Floats("wte", [10, 2], table)
            .Node("Gather", ["wte", "ids"], "y", ("axis", 0L)).Output("y").Save(_dir, "embed.onnx");
    }

    [Fact]
    public async Task IntegerTokenIdsRunOnBothEnginesAlike()
    {
        var model = EmbeddingModel();
        NpyArrays.Write(_dir.File("ids.npy"), TypedArray.From(ArrayElementType.Int64, [2, 3], new long[] { 9, 0, 4, 1, 1, 2 }));
        foreach (var engine in new[] { "onnxruntime", "auto" })
        {
            var doc = await CliRunner.Json("run", model, "--input", _dir.File("ids.npy"), "--output-dir", _dir.File(engine), "--engine", engine);
            // The embedding Gather on int64 ids imports as an Embedding our executor runs: auto picks noether.
            Assert.Equal(engine == "auto" ? "noether" : "onnxruntime", doc.GetProperty("engine").GetString());
            var output = doc.GetProperty("outputs")[0];
            // ONNX Runtime names outputs as the file does; our executor by the graph IR's node (here the embedding).
            Assert.Equal(engine == "auto" ? "wte" : "y", output.GetProperty("name").GetString());
            Assert.Equal("float32", output.GetProperty("dtype").GetString());
            var y = NpyArrays.Read(output.GetProperty("path").GetString()!);
            Assert.Equal([2, 3, 2], y.Shape);
            Assert.Equal(new float[] { 18, 19, 0, 1, 8, 9, 2, 3, 2, 3, 4, 5 }, y.ToArray<float>());
        }
    }

    [Fact]
    public async Task ARealModelWithAnInt64ScalarInputRunsWithNamedInputsInAnyOrder()
    {
        // Silero VAD v5: input [1, 512] float32, state [2, 1, 128] float32, sr int64 scalar; outputs output and stateN.
        var dir = _dir.File("vad");
        var doc = await CliRunner.Json("run", Data("silero_vad_v5.onnx"), "--input", $"sr={Data("silero_vad_v5.input2.npy")}",
            "--input", $"state={Data("silero_vad_v5.input1.npy")}", "--input", Data("silero_vad_v5.input0.npy"), "--output-dir", dir);
        Assert.Equal("onnxruntime", doc.GetProperty("engine").GetString());
        var outputs = doc.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(["output", "stateN"], outputs.Select(o => o.GetProperty("name").GetString()));
        for (int k = 0; k < 2; k++)
        {
            var golden = Npy.Read<double>(Data($"silero_vad_v5.output{k}.npy"));
            var y = Npy.Read<double>(outputs[k].GetProperty("path").GetString()!);
            Assert.Equal(golden.ShapeArray(), y.ShapeArray());
            Assert.True(y.MaxAbsDiff(golden) <= 1e-5 * golden.Abs().Max(), $"output {k}");
        }
        // The sample rate given as float64 is a wrong-typed feed: a one-line error naming the input.
        Npy.Write(_dir.File("sr.npy"), Tensor<double>.Scalar(16000));
        var (code, _, err) = await CliRunner.Run("run", Data("silero_vad_v5.onnx"), "--input", Data("silero_vad_v5.input0.npy"),
            "--input", Data("silero_vad_v5.input1.npy"), "--input", _dir.File("sr.npy"), "--output-dir", _dir.File("bad"));
        Assert.Equal(2, code);
        Assert.Contains("input 'sr' expects int64 [], given float64 []", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(_dir.File("bad")));
    }

    [Fact]
    public async Task SeveralInputsBindInOrderOrByNameOnBothEngines()
    {
        var model = new OnnxModelBuilder().Input("a", -1, 3).Input("b", -1, 3).Node("Sub", ["a", "b"], "y").Output("y").Save(_dir, "sub.onnx");
        var a = Tensor<float>.RandomNormal(new Rng(1), [4, 3]); var b = Tensor<float>.RandomNormal(new Rng(2), [4, 3]);
        Npy.Write(_dir.File("a.npy"), a); Npy.Write(_dir.File("b.npy"), b);
        var want = a.ToArray().Zip(b.ToArray(), (p, q) => p - q).ToArray();
        string[][] bindings = [["a.npy", "b.npy"], ["b=b.npy", "a.npy"], ["b=b.npy", "a=a.npy"]];
        foreach (var engine in new[] { "noether", "onnxruntime" })
            foreach (var binding in bindings)
            {
                var dir = _dir.File($"{engine}-{string.Join("-", binding)}");
                var args = new List<string> { "run", model, "--output-dir", dir, "--engine", engine };
                foreach (var bnd in binding) args.AddRange(["--input", bnd.Contains('=') ? bnd.Replace("=", "=" + _dir.Path + "/") : _dir.File(bnd)]);
                var doc = await CliRunner.Json([.. args]);
                Assert.Equal(engine, doc.GetProperty("engine").GetString());
                var y = NpyArrays.Read(Path.Combine(dir, "output_0.npy")).ToArray<float>();
                Assert.True(y.Zip(want).All(p => Math.Abs(p.First - p.Second) <= 1e-6f), $"{engine} {string.Join(" ", binding)}");
            }
        var auto = await CliRunner.Json("run", model, "--input", _dir.File("a.npy"), "--input", _dir.File("b.npy"), "--output-dir", _dir.File("auto"));
        Assert.Equal("noether", auto.GetProperty("engine").GetString()); // the graph IR imports Sub: auto runs it
        var (code, _, err) = await CliRunner.Run("run", model, "--input", $"c={_dir.File("a.npy")}", "--input", _dir.File("b.npy"), "--output-dir", _dir.File("x"), "--engine", "onnxruntime");
        Assert.Equal(2, code);
        Assert.Contains("no input named 'c'", err);
        var (_, help, _) = await CliRunner.Run("run", "--help");
        Assert.Contains("NAME=FILE", help);
        Assert.Contains("repeat --input", help);
    }

    [Fact]
    public async Task WrongTypedOrShapedFeedsFailWithOneLineAndWriteNothing()
    {
        var model = EmbeddingModel();
        Npy.Write(_dir.File("floats.npy"), new Tensor<float>(2, 3));
        NpyArrays.Write(_dir.File("short.npy"), TypedArray.From(ArrayElementType.Int64, [2, 4], new long[8]));
        foreach (var (file, fragment) in new[] { ("floats.npy", "input 'ids' expects int64 [N, 3], given float32 [2, 3]"), ("short.npy", "axis 1 has size 4 instead of 3") })
        {
            var outDir = _dir.File($"out-{file}");
            var (code, stdout, stderr) = await CliRunner.Run("run", model, "--input", _dir.File(file), "--output-dir", outDir, "--engine", "onnxruntime", "--json");
            Assert.Equal(2, code);
            Assert.Contains(fragment, stderr);
            Assert.Contains(file, stderr);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.Equal("", stdout);
            Assert.False(Directory.Exists(outDir));
        }
    }

    [Fact]
    public async Task VerifyChecksATransformedOnnxModelOnOnnxRuntime()
    {
        var moved = _dir.File("moved.onnx");
        await CliRunner.Json("transform", Data("hello_deepa.onnx"), "--random", "--seed", "5", "--out", moved);
        var same = await CliRunner.Json("verify", Data("hello_deepa.onnx"), moved, "--engine", "onnxruntime");
        Assert.Equal("onnxruntime", same.GetProperty("engine").GetString());
        Assert.True(same.GetProperty("equal").GetBoolean(), same.ToString());
        Assert.True(same.GetProperty("max_rel_diff").GetDouble() < 1e-5);
        Assert.True(same.GetProperty("elements").GetInt32() > 0);
        // The same check with the golden input files (the model declares a static batch of 1: give one sample).
        var x = Npy.Read<float>(Data("hello_deepa_input.npy"));
        Npy.Write(_dir.File("x1.npy"), x.Slice(0, 0, 1).Contiguous());
        // Its one output value is about 1e-3, so float32 rounding (3e-8 absolute) is 3e-5 relative.
        var withFile = await CliRunner.Json("verify", Data("hello_deepa.onnx"), moved, "--engine", "onnxruntime", "--input", _dir.File("x1.npy"), "--tolerance", "1e-4");
        Assert.True(withFile.GetProperty("equal").GetBoolean());
        Assert.True(withFile.GetProperty("max_abs_diff").GetDouble() < 1e-6);
        // A model with other weights is a different function on ONNX Runtime too.
        var other = _dir.File("other.onnx");
        var proto = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Data("hello_deepa.onnx")));
        var w = proto.Graph.Initializer.First(t => t.Dims.Count == 2);
        var bytes = w.RawData.ToByteArray();
        for (int i = 0; i < bytes.Length; i += 4) bytes[i + 3] ^= 0x40; // scale every weight far away
        w.RawData = ByteString.CopyFrom(bytes);
        File.WriteAllBytes(other, proto.ToByteArray());
        var (code, stdout, _) = await CliRunner.Run("verify", Data("hello_deepa.onnx"), other, "--engine", "onnxruntime", "--json");
        Assert.Equal(1, code);
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("equal").GetBoolean());
    }
}
