using System.IO.Compression;
using Noether.IO.Tests;

namespace Noether.Cli.Tests;

/// <summary>
/// PyTorch state dicts and ONNX external data through the verbs: the README's state-dict example runs on the shipped
/// files, a hostile .pt is a one-line error with exit code 2 and runs nothing, and an ONNX model with external data
/// transforms into a model whose data sits beside the output, which ONNX Runtime confirms.
/// </summary>
public sealed class TorchAndExternalDataVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    [Fact]
    public async Task ReadmeStateDictExampleRuns()
    {
        var json = await CliRunner.Json("inspect", Data("net_state_dict.pt"), "--arch", Data("torch-net.json"));
        Assert.Equal(308, json.GetProperty("parameters").GetInt32());
        // A checkpoint with the graph JSON beside it (X.json next to X.pt) transforms into safetensors.
        File.Copy(Data("net_checkpoint.pt"), _dir.File("ckpt.pt"));
        File.Copy(Data("torch-net.json"), _dir.File("ckpt.json"));
        var (code, _, err) = await CliRunner.Run("transform", _dir.File("ckpt.pt"), "--random", "--out", _dir.File("moved.safetensors"));
        Assert.True(code == 0, err);
        var (same, output, why) = await CliRunner.Run("verify", _dir.File("ckpt.pt"), _dir.File("moved.safetensors"));
        Assert.True(same == 0, output + why);
    }

    [Fact]
    public async Task HostilePickleIsAUsageErrorAndRunsNothing()
    {
        var marker = _dir.File("pwned");
        var command = System.Text.Encoding.UTF8.GetBytes($"touch {marker}");
        // PROTO 2, GLOBAL os.system, BINUNICODE command, TUPLE1, REDUCE, STOP: what pickle.load would run.
        byte[] pickle = [0x80, 2, .. "cos\nsystem\n"u8, (byte)'X', .. BitConverter.GetBytes(command.Length), .. command, 0x85, (byte)'R', (byte)'.'];
        var path = _dir.File("evil.pt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write(pickle);
        var (code, _, err) = await CliRunner.Run("inspect", path, "--arch", Data("torch-net.json"));
        Assert.Equal(2, code);
        Assert.True(err.Contains("'os.system'"), err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task ExternalDataModelTransformsWithItsDataBesideTheOutput()
    {
        File.Copy(Data("mlp_external.onnx"), _dir.File("mlp_external.onnx"));
        File.Copy(Data("mlp_external.onnx.data"), _dir.File("mlp_external.onnx.data"));
        var (code, _, err) = await CliRunner.Run("transform", _dir.File("mlp_external.onnx"), "--random", "--out", _dir.File("moved.onnx"));
        Assert.True(code == 0, err);
        Assert.True(File.Exists(_dir.File("moved.onnx.data")));
        var written = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(_dir.File("moved.onnx")));
        Assert.All(written.Graph.Initializer, t => Assert.Equal(Onnx.TensorProto.Types.DataLocation.External, t.DataLocation));
        Assert.Equal(File.ReadAllBytes(Data("mlp_external.onnx.data")), File.ReadAllBytes(_dir.File("mlp_external.onnx.data")));
        var (same, text, why) = await CliRunner.Run("verify", _dir.File("mlp_external.onnx"), _dir.File("moved.onnx"), "--engine", "onnxruntime");
        Assert.True(same == 0, text + why);
    }
}
