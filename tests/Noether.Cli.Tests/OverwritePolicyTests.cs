using System.Diagnostics;
using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>One overwrite policy for every verb that writes: existing outputs need --overwrite, inputs are never outputs.</summary>
public sealed class OverwritePolicyTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private string Model(string name, ulong seed = 0)
    {
        var path = _dir.File(name);
        ModelFiles.Save(Model<double>.Initialize(Builders.Mlp(4, [3], 2), new Rng(seed)), path);
        return path;
    }

    public static TheoryData<string> ModelWritingVerbs => new() { "transform", "canonicalize", "convert", "align", "merge" };

    private string[] Args(string verb, string a, string b, string output) => verb switch
    {
        "transform" => ["transform", a, "--random", "--out", output],
        "canonicalize" => ["canonicalize", a, "--out", output],
        "convert" => ["convert", a, output],
        "align" => ["align", a, b, "--out", output],
        "merge" => ["merge", a, b, "--out", output],
        _ => throw new ArgumentException(verb),
    };

    [Theory]
    [MemberData(nameof(ModelWritingVerbs))]
    public async Task AnExistingOutputIsRefusedUnlessOverwriteAndAnInputNeverIs(string verb)
    {
        var a = Model("a.safetensors"); var b = Model("b.safetensors", 1);
        var output = _dir.File("out.safetensors");
        File.WriteAllText(output, "precious");
        var (code, _, err) = await CliRunner.Run(Args(verb, a, b, output));
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("--overwrite", err);
        Assert.Equal("precious", File.ReadAllText(output));

        (code, _, err) = await CliRunner.Run([.. Args(verb, a, b, output), "--overwrite"]);
        Assert.True(code == 0, err);
        Assert.NotNull(ModelFiles.Load<double>(output));

        var before = File.ReadAllBytes(a);
        (code, _, err) = await CliRunner.Run([.. Args(verb, a, b, a), "--overwrite"]);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("overwrite the input", err);
        Assert.Equal(before, File.ReadAllBytes(a));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*.tmp"));
    }

    [Fact]
    public async Task TrainChecksOutBeforeTraining()
    {
        var existing = Model("trained.safetensors");
        var before = File.ReadAllBytes(existing);
        var sw = Stopwatch.StartNew();
        // 500 epochs would take minutes; the refusals come before any of them.
        var (code, _, err) = await CliRunner.Run("train", "--model", "mlp", "--epochs", "500", "--out", existing);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("--overwrite", err);
        Assert.Equal(before, File.ReadAllBytes(existing));
        var notAFolder = _dir.File("plain.txt");
        File.WriteAllText(notAFolder, "x");
        (code, _, err) = await CliRunner.Run("train", "--model", "mlp", "--epochs", "500", "--out", Path.Combine(notAFolder, "m.safetensors"));
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("does not exist", err);
        (code, _, err) = await CliRunner.Run("train", "--model", "mlp", "--epochs", "500", "--out", _dir.File("m.npy"));
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(".npy", err);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"refusals took {sw.Elapsed}");
    }

    [Fact]
    public async Task FolderOutputsFollowThePolicy()
    {
        var folder = _dir.File("curves");
        var (code, _, err) = await CliRunner.Run("teleport", "--epochs", "6", "--teleport-at", "2", "--seeds", "1", "--out", folder, "--json");
        Assert.True(code == 0, err);
        var summary = Path.Combine(folder, "summary.csv");
        File.WriteAllText(summary, "mine");
        (code, _, err) = await CliRunner.Run("teleport", "--epochs", "6", "--teleport-at", "2", "--seeds", "1", "--out", folder);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("already holds seed_0.csv", err);
        Assert.Contains("--overwrite", err);
        Assert.Equal("mine", File.ReadAllText(summary));
        (code, _, err) = await CliRunner.Run("teleport", "--epochs", "6", "--teleport-at", "2", "--seeds", "1", "--out", folder, "--overwrite", "--json");
        Assert.True(code == 0, err);
        Assert.NotEqual("mine", File.ReadAllText(summary));
    }
}
