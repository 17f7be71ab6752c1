using Google.Protobuf;
using Noether.IO.Tests;
using Noether.Tensors;
using Onnx;

namespace Noether.Cli.Tests;

/// <summary>transform and canonicalize on .onnx files keep the file (names, static shapes, opset, metadata) and the function.</summary>
public sealed class WriteBackVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private string Mlp(string name, float alpha = 1)
    {
        var rng = new Rng(7);
        float[] R(int n) => Tensor<float>.RandomNormal(rng, [n]).ToArray();
        var m = new OnnxModelBuilder(13).Input("input.1", 8, 6)
            .Floats("fc1.weight", [6, 16], R(96)).Floats("fc1.bias", [16], R(16))
            .Floats("fc2.weight", [3, 16], R(48)).Floats("fc2.bias", [3], R(3))
            .Node("Gemm", ["input.1", "fc1.weight", "fc1.bias"], "/fc1/Gemm_output_0", ("alpha", alpha))
            .Node("Relu", ["/fc1/Gemm_output_0"], "/act/Relu_output_0")
            .Node("Gemm", ["/act/Relu_output_0", "fc2.weight", "fc2.bias"], "logits", ("transB", 1L))
            .Output("logits").Build();
        m.MetadataProps.Add(new StringStringEntryProto { Key = "license", Value = "MIT" });
        m.Graph.Name = "torch_jit";
        var path = _dir.File(name);
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    private static ModelProto Read(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    [Fact]
    public async Task TransformAndCanonicalizeKeepTheFileAndOnnxRuntimeAgrees()
    {
        var model = Mlp("mlp.onnx");
        foreach (var verb in new[] { "transform", "canonicalize" })
        {
            var output = _dir.File($"{verb}.onnx");
            string[] args = verb == "transform" ? [verb, model, "--random", "--seed", "2", "--out", output] : [verb, model, "--out", output];
            var doc = await CliRunner.Json(args);
            Assert.StartsWith("kept mlp.onnx's graph", doc.GetProperty("write_note").GetString());
            var (before, after) = (Read(model), Read(output));
            Assert.Equal(before.Graph.Input, after.Graph.Input);   // "input.1" [8, 6]: the static batch stays static
            Assert.Equal(before.Graph.Output, after.Graph.Output);
            Assert.Equal(before.Graph.Node, after.Graph.Node);
            Assert.Equal(before.Graph.Name, after.Graph.Name);
            Assert.Equal(before.OpsetImport, after.OpsetImport);
            Assert.Equal(before.MetadataProps, after.MetadataProps);
            Assert.Equal(before.Graph.Initializer.Select(t => (t.Name, t.DataType, t.Dims.ToArray().Length)), after.Graph.Initializer.Select(t => (t.Name, t.DataType, t.Dims.ToArray().Length)));
            Assert.NotEqual(before.Graph.Initializer, after.Graph.Initializer);
            var same = await CliRunner.Json("verify", model, output, "--engine", "onnxruntime");
            Assert.True(same.GetProperty("equal").GetBoolean(), same.ToString());
            Assert.Equal(8 * 3, same.GetProperty("elements").GetInt32());
        }
    }

    [Fact]
    public async Task AnUntraceableWeightFallsBackToTheExporterAndSaysSo()
    {
        var model = Mlp("scaled.onnx", alpha: 2);
        var output = _dir.File("moved.onnx");
        var doc = await CliRunner.Json("transform", model, "--random", "--seed", "2", "--out", output);
        var note = doc.GetProperty("write_note").GetString()!;
        Assert.StartsWith("wrote a new ONNX graph", note);
        Assert.Contains("fc1.weight", note);
        Assert.DoesNotContain('\n', note);
        var same = await CliRunner.Json("verify", model, output, "--engine", "onnxruntime", "--batch", "8");
        Assert.True(same.GetProperty("equal").GetBoolean(), same.ToString());
    }

    [Theory]
    [InlineData("mobilenetv2")]
    [InlineData("resnet_tiny")]
    public async Task PyTorchExportsKeepTheirFileThroughTransformAndCanonicalize(string name)
    {
        var model = Path.Combine(AppContext.BaseDirectory, "data", $"{name}.onnx");
        var input = Path.Combine(AppContext.BaseDirectory, "data", $"{name}.input.npy");
        foreach (var verb in new[] { "transform", "canonicalize" })
        {
            var output = _dir.File($"{name}.{verb}.onnx");
            string[] args = verb == "transform" ? [verb, model, "--random", "--seed", "4", "--out", output] : [verb, model, "--out", output];
            var doc = await CliRunner.Json(args);
            Assert.StartsWith($"kept {name}.onnx's graph", doc.GetProperty("write_note").GetString());
            // Raw weights, as PyTorch writes them: read and written a tensor at a time (OnnxWeightFile), not re-serialised.
            Assert.EndsWith("(written a tensor at a time)", doc.GetProperty("write_note").GetString());
            var (before, after) = (Read(model), Read(output));
            foreach (var t in before.Graph.Initializer.Concat(after.Graph.Initializer)) { t.RawData = ByteString.Empty; t.FloatData.Clear(); }
            Assert.Equal(before, after); // everything but initializer values: names, shapes, opset, metadata, doc strings
            Assert.NotEqual(File.ReadAllBytes(model), File.ReadAllBytes(output));
            var same = await CliRunner.Json("verify", model, output, "--engine", "onnxruntime", "--input", input);
            Assert.True(same.GetProperty("equal").GetBoolean(), same.ToString());
        }
    }
}
