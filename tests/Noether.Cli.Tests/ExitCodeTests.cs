using System.Text.Json;
using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>Exit codes (0 ok, 1 check failed, 2 usage or input error, 130 cancelled), one-line errors, JSON errors under --json.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private string Model()
    {
        var path = _dir.File("m.safetensors");
        if (!File.Exists(path)) ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(4, [3], 2), new Rng(0)), path);
        return path;
    }

    [Theory]
    [InlineData("transform", "MODEL", "--random", "--out", "o.safetensors", "--sed", "3")] // mistyped option
    [InlineData("inspct", "MODEL")] // mistyped verb
    [InlineData("transform", "MODEL", "--random")] // missing required option
    [InlineData("verify", "MODEL", "MODEL", "--tolerance", "abc")] // not a number
    public async Task UsageErrorsExit2WithOneLineOnStderrAndNoHelpOnStdout(params string[] args)
    {
        var (code, stdout, stderr) = await CliRunner.Run(args.Select(a => a == "MODEL" ? Model() : a).ToArray());
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith("noether: ", stderr);
        Assert.Contains("--help", stderr);
        Assert.DoesNotContain("Description:", stderr);
    }

    [Fact]
    public async Task AMistypedOptionIsNamedWithASuggestion()
    {
        var (_, _, stderr) = await CliRunner.Run("transform", Model(), "--random", "--out", _dir.File("o.safetensors"), "--sed", "3");
        Assert.Contains("'--sed'", stderr);
        Assert.Contains("did you mean --seed?", stderr);
    }

    [Fact]
    public async Task HelpAskedForGoesToStdoutAndExits0()
    {
        var (code, stdout, stderr) = await CliRunner.Run("transform", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--overwrite", stdout);
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("--tolerance", "-1", "--tolerance must be finite and ≥ 0, got -1")]
    [InlineData("--tolerance", "nan", "--tolerance must be finite and ≥ 0, got NaN")]
    [InlineData("--tolerance", "Infinity", "--tolerance must be finite")]
    [InlineData("--batch", "0", "--batch must be positive, got 0")]
    [InlineData("--seed", "-1", "'-1' for option '--seed' as a non-negative integer")]
    [InlineData("--engine", "gpu", "--engine must be noether, onnxruntime or auto, got 'gpu'")]
    public async Task VerifyOptionsAreRangeCheckedAtParseTime(string option, string value, string message)
    {
        var (code, stdout, stderr) = await CliRunner.Run("verify", Model(), Model(), option, value);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("--lr", "-1", "--lr must be positive and finite, got -1")]
    [InlineData("--lr", "0", "--lr must be positive and finite, got 0")]
    [InlineData("--width", "0", "--width must be positive, got 0")]
    [InlineData("--batch-size", "0", "--batch-size must be positive, got 0")]
    [InlineData("--epochs", "0", "--epochs must be positive, got 0")]
    [InlineData("--momentum", "1.5", "--momentum must lie in [0, 1), got 1.5")]
    [InlineData("--weight-decay", "-0.1", "--weight-decay must be finite and ≥ 0, got -0.1")]
    [InlineData("--activation", "swoosh", "Unknown activation 'swoosh'")]
    [InlineData("--optimizer", "rmsprop", "--optimizer must be sgd, adam or adamw, got 'rmsprop'")]
    public async Task TrainOptionsAreRangeCheckedBeforeAnyWork(string option, string value, string message)
    {
        var (code, _, stderr) = await CliRunner.Run("train", "--model", "mlp", option, value, "--json");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(message, stderr);
    }

    [Theory]
    [InlineData("conserve", "mlp", "--rtol", "0")]
    [InlineData("conserve", "mlp", "--steps", "0")]
    [InlineData("barrier", "a", "b", "--data", "digits", "--points", "1")]
    [InlineData("merge", "a", "b", "--out", "m.safetensors", "--alpha", "nan")]
    [InlineData("teleport", "--seeds", "0")]
    [InlineData("teleport", "--lr", "-1")]
    [InlineData("bench", "gemm", "--seconds", "0")]
    public async Task OutOfRangeValuesOfOtherVerbsAreParseErrors(params string[] args)
    {
        var (code, _, stderr) = await CliRunner.Run(args);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(args[^2], stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("inspect", "/nonexistent/m.safetensors")]
    [InlineData("transform", "/nonexistent/m.safetensors", "--random", "--out", "OUT")]
    [InlineData("canonicalize", "/nonexistent/m.safetensors", "--out", "OUT")]
    [InlineData("verify", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors")]
    [InlineData("summary", "/nonexistent/m.safetensors")]
    [InlineData("convert", "/nonexistent/m.safetensors", "OUT")]
    [InlineData("run", "/nonexistent/m.onnx", "--input", "x.npy", "--output-dir", "DIR")]
    [InlineData("align", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--out", "OUT")]
    [InlineData("merge", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--out", "OUT")]
    [InlineData("barrier", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--data", "digits")]
    [InlineData("evaluate", "/nonexistent/a.safetensors", "--data", "digits")]
    [InlineData("similarity", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--data", "digits")]
    [InlineData("stitch", "/nonexistent/a.safetensors", "/nonexistent/b.safetensors", "--layer", "x", "--class", "affine", "--data", "digits")]
    [InlineData("basis", "/nonexistent/a.safetensors", "--layer", "x", "--data", "digits")]
    [InlineData("stitch-summary", "/nonexistent/a.json", "--out", "DIR")]
    [InlineData("conserve", "/nonexistent/a.safetensors", "--out", "DIR")]
    [InlineData("train", "--model", "mlp", "--data", "imagenet")]
    [InlineData("teleport", "--sizes", "4")]
    [InlineData("bench", "lap", "--n", "0")]
    [InlineData("transform", "--bogus")] // parse errors too
    public async Task UnderJsonEveryVerbsErrorIsOneJsonObjectOnStdout(params string[] args)
    {
        args = args.Select(a => a switch { "OUT" => _dir.File("out.safetensors"), "DIR" => _dir.File("dir"), _ => a }).ToArray();
        var (code, stdout, stderr) = await CliRunner.Run([.. args, "--json"]);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Single(stdout.Trim().Split('\n'));
        var doc = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, doc.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(doc.GetProperty("error").GetString()));
        Assert.Equal(2, doc.EnumerateObject().Count());
        Assert.Contains(doc.GetProperty("error").GetString()!, stderr);
    }

    [Fact]
    public async Task VerifyOfDifferentFunctionsExits1AndIsNotAnError()
    {
        var other = _dir.File("other.safetensors");
        ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(4, [3], 2), new Rng(7)), other);
        var (code, stdout, _) = await CliRunner.Run("verify", Model(), other, "--json");
        Assert.Equal(ExitCodes.CheckFailed, code);
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("equal").GetBoolean());
    }
}
