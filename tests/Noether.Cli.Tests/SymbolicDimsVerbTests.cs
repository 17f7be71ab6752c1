using Noether.IO;
using Noether.IO.Tests;
using Noether.Tensors;
using Onnx;

namespace Noether.Cli.Tests;

/// <summary>
/// Inputs with a symbolic size besides the batch (GPT-2's sequence length, an LSTM's time steps): pinned at import,
/// reported by summary, chosen with --dim or taken from --input, kept dynamic when an ONNX file is written back.
/// </summary>
public sealed class SymbolicDimsVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static string Data(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);
    private static string Zoo(string name) => Data($"{name}.onnx");
    private static string Input(string name) => Data($"{name}.input.npy");
    private static string Golden(string name) => Data($"{name}.output.npy");

    private static double RelativeDifference(TypedArray a, TypedArray b)
    {
        Assert.Equal(b.Shape, a.Shape);
        var (x, y) = (a.ToTensor<double>().ToArray(), b.ToTensor<double>().ToArray());
        double diff = 0, scale = 0;
        for (int i = 0; i < x.Length; i++) { diff = Math.Max(diff, Math.Abs(x[i] - y[i])); scale = Math.Max(scale, Math.Abs(y[i])); }
        return diff / scale;
    }

    [Fact]
    public async Task SummaryReportsPinnedSymbolsAndDimChoosesThem()
    {
        var model = Zoo("lstm");
        var pinned = await CliRunner.Json("summary", model);
        Assert.Equal(OnnxImportOptions.DefaultSize, pinned.GetProperty("pinned").GetProperty("sequence").GetInt32());
        Assert.Equal([OnnxImportOptions.DefaultSize, 6], pinned.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var chosen = await CliRunner.Json("summary", model, "--dim", "sequence=9");
        Assert.Equal(9, chosen.GetProperty("pinned").GetProperty("sequence").GetInt32());
        var (code, _, err) = await CliRunner.Run("summary", model, "--dim", "seq=9");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("sequence", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task RunPinsFromTheInputAndMatchesTheGolden()
    {
        var outDir = _dir.File("run");
        var doc = await CliRunner.Json("run", Zoo("lstm"), "--input", Input("lstm"), "--output-dir", outDir, "--engine", "noether", "--dtype", "float64");
        Assert.Equal("noether", doc.GetProperty("engine").GetString());
        var y = Npy.Read<double>(Path.Combine(outDir, "output_0.npy"));
        var golden = Npy.Read<double>(Golden("lstm"));
        double rel = RelativeDifference(TypedArray.FromTensor(y), TypedArray.FromTensor(golden));
        Assert.True(rel <= 1e-5, $"{rel:E2}");
    }

    [Fact]
    public async Task RunAtASizeOtherThanTheGivenDimSaysWhatToDo()
    {
        // lstm.input.npy is [2, 9, 6]
        var (code, _, err) = await CliRunner.Run("run", Zoo("lstm"), "--dim", "sequence=5", "--input", Input("lstm"),
            "--output-dir", _dir.File("out"), "--engine", "noether");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("'sequence' pinned to 5", err);
        Assert.Contains("--dim sequence=9", err);
        Assert.Contains("--engine onnxruntime", err);
        Assert.False(File.Exists(Path.Combine(_dir.File("out"), "output_0.npy")));
    }

    [Fact]
    public async Task ConvertedToSafetensorsThePinnedGraphRefusesOtherSizes()
    {
        var st = _dir.File("lstm.safetensors");
        await CliRunner.Json("convert", Zoo("lstm"), st, "--dim", "sequence=4");
        var (code, _, err) = await CliRunner.Run("run", st, "--input", Input("lstm"), "--output-dir", _dir.File("o"));
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("'sequence' pinned to 4", err);
    }
}
