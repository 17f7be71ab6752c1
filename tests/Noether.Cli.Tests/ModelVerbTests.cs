using System.Text.Json;
using Noether.IO;
using Noether.Nn.Architectures;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>The model verbs (convert, run, summary) through the real command line, in --json mode.</summary>
public sealed class ModelVerbTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-cli-tests", Guid.NewGuid().ToString("N"));
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public ModelVerbTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
    private string File(string name) => Path.Combine(_dir, name);

    private static async Task<(int Code, string Out, string Err)> Noether(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = await NoetherApp.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task RunWritesFloat32OutputsMatchingTheGoldenFile()
    {
        var (code, stdout, stderr) = await Noether("run", Data("hello_deepa.onnx"), "--input", Data("hello_deepa_input.npy"), "--output-dir", File("out"), "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("float32", doc.GetProperty("dtype").GetString());
        var y = Npy.Read<double>(File("out/output_0.npy"));
        Assert.True(y.MaxAbsDiff(Npy.Read<double>(Data("hello_deepa_output.npy"))) <= 1e-5);
    }

    [Fact]
    public async Task ConvertRoundTripsBetweenOnnxAndSafetensors()
    {
        var (c1, _, e1) = await Noether("convert", Data("hello_deepa.onnx"), File("m.safetensors"), "--json");
        Assert.True(c1 == 0, e1);
        var (c2, o2, e2) = await Noether("convert", File("m.safetensors"), File("m.onnx"), "--json");
        Assert.True(c2 == 0, e2);
        Assert.Equal(10, JsonDocument.Parse(o2).RootElement.GetProperty("tensors").GetInt32());
        var x = Npy.Read<float>(Data("hello_deepa_input.npy"));
        var original = ModelFiles.Load<float>(Data("hello_deepa.onnx")).Predict(x)[0];
        Assert.Equal(0f, original.MaxAbsDiff(ModelFiles.Load<float>(File("m.onnx")).Predict(x)[0]));
    }

    [Fact]
    public async Task SummaryListsOpsParametersAndDtype()
    {
        var model = Model<double>.Initialize(Builders.Mlp(6, [5], 2), new Rng(1));
        ModelFiles.Save(model, File("mlp.safetensors"));
        var (code, stdout, stderr) = await Noether("summary", File("mlp.safetensors"), "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("float64", doc.GetProperty("dtype").GetString());
        Assert.Equal(3, doc.GetProperty("nodes").GetArrayLength());
        Assert.Equal(6 * 5 + 5 + 5 * 2 + 2, doc.GetProperty("trainable_parameters").GetInt64());
        Assert.Equal("layers.0.weight", doc.GetProperty("parameters")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task BadInputFailsWithOneLineAndNeverOverwritesAnInput()
    {
        var copy = File("h.onnx");
        System.IO.File.Copy(Data("hello_deepa.onnx"), copy);
        var before = System.IO.File.ReadAllBytes(copy);
        async Task Fails(string fragment, params string[] args)
        {
            var (code, stdout, stderr) = await Noether(args);
            Assert.Equal(ExitCodes.InputError, code);
            Assert.Contains(fragment, stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        await Fails("refusing to overwrite", "convert", copy, copy, "--overwrite", "--json");
        await Fails("not found", "summary", File("missing.onnx"), "--json");
        await Fails("takes 1 input", "run", copy, "--input", Data("hello_deepa_input.npy"), "--input", Data("hello_deepa_input.npy"), "--output-dir", File("o"), "--json");
        System.IO.File.WriteAllText(File("junk.onnx"), "not a model");
        await Fails("not a valid ONNX model", "summary", File("junk.onnx"), "--json");
        Npy.Write(File("wrong.npy"), new Tensor<float>(2, 7));
        await Fails("does not fit input", "run", copy, "--input", File("wrong.npy"), "--output-dir", File("o"), "--json");
        System.IO.File.WriteAllText(File("existing.onnx"), "keep me");
        await Fails("exists", "convert", copy, File("existing.onnx"), "--json");
        Assert.Equal("keep me", System.IO.File.ReadAllText(File("existing.onnx")));
        Assert.Equal(before, System.IO.File.ReadAllBytes(copy));
    }
}
