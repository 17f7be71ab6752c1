using Noether.IO.Tests;

namespace Noether.Cli.Tests;

/// <summary>
/// Must-show 4 of the any-ONNX issue at the command line: a cyclic graph, a dangling input and an unknown (unimported)
/// domain fail every model-reading verb with one line naming the node, exit code 2, and no output file.
/// (Wrong-typed and wrong-shaped feeds: <see cref="EngineVerbTests"/>.)
/// </summary>
public sealed class MalformedOnnxVerbTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Bad(string kind)
    {
        var m = new OnnxModelBuilder(13).Input("x", -1, 4).Scalar("axis", 1);
        m = kind switch
        {
            "cycle" => m.Node("Add", ["x", "b"], "a").Node("Relu", ["a"], "b"),
            "dangling" => m.Node("Add", ["x", "nowhere"], "a").Node("Relu", ["a"], "b"),
            _ => m.Node("Relu", ["x"], "a").Node("Mystery", ["a"], "b").InDomain("acme", version: 0),
        };
        return m.Output("b").Save(_dir, $"{kind}.onnx");
    }

    [Theory]
    [InlineData("cycle", "reads 'b'")]
    [InlineData("dangling", "reads 'nowhere'")]
    [InlineData("domain", "uses domain 'acme'")]
    public async Task EveryVerbFailsInOneLineNamingTheNodeAndWritesNothing(string kind, string expected)
    {
        var path = Bad(kind);
        var output = _dir.File($"{kind}-out.onnx");
        string[][] calls =
        [
            ["summary", path],
            ["inspect", path],
            ["convert", path, _dir.File($"{kind}-out.safetensors")],
            ["transform", path, "--random", "--out", output],
            ["canonicalize", path, "--out", output],
        ];
        foreach (var args in calls)
        {
            var (code, _, stderr) = await CliRunner.Run(args);
            Assert.True(code == 2, $"{args[0]} on {kind}: exit {code}, stderr {stderr}");
            Assert.Contains(expected, stderr);
            Assert.Contains("node '", stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(_dir.File($"{kind}-out.safetensors")));
    }
}
