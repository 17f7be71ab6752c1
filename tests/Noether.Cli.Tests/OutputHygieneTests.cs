using System.Text.Json;
using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>Names from files are printed escaped; no ANSI or wrapping off a terminal; NO_COLOR and COLUMNS honoured.</summary>
public sealed class OutputHygieneTests : IDisposable
{
    private const char Esc = '\u001b';
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    /// <summary>A model whose graph, input and node names carry a colour change, a title change, a bell and a bidi override.</summary>
    private string HostileModel()
    {
        static string Evil(string name) => $"{Esc}[31m{name}{Esc}]0;pwned\u0007\u202e";
        var g = Builders.Mlp(4, [3], 2);
        var inputs = g.Inputs.Select(i => new InputSpec(Evil(i.Name), i.Shape)).ToArray();
        var nodes = g.Nodes.Select(n => new Node(Evil(n.Name), n.Op, n.Inputs.Select(Evil).ToArray())).ToArray();
        var hostile = new Graph(inputs, nodes, g.Outputs.Select(Evil).ToArray(), Evil("graph") + new string('g', 300));
        var path = _dir.File("hostile.safetensors");
        ModelFiles.Save(Model<float>.Initialize(hostile, new Rng(0)), path);
        return path;
    }

    [Theory]
    [InlineData('\u001b', "\\x1b")]
    [InlineData('\u0007', "\\x07")]
    [InlineData('\n', "\\x0a")]
    [InlineData('\u009b', "\\x9b")] // C1 CSI
    [InlineData('\u202e', "\\u202e")] // right-to-left override
    [InlineData('\u2066', "\\u2066")]
    public void ControlAndOverrideCharactersAreShownEscaped(char c, string shown)
    {
        Assert.Equal($"a{shown}b", TerminalText.Escape($"a{c}b"));
    }

    [Fact]
    public void PrintableTextIsUnchanged()
    {
        const string text = "S_512 ⋉ (R+)^512 layers.0.weight [N, 16] λ ‖θ‖";
        Assert.Same(text, TerminalText.Escape(text));
        Assert.Equal("[[x]]", TerminalText.Markup("[x]"));
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("summary")]
    public async Task NamesFromAHostileFileArePrintedEscapedWithoutAnsiOrWrapping(string verb)
    {
        var (code, stdout, stderr) = await CliRunner.Run(verb, HostileModel());
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain(Esc, stdout); // neither the file's sequences nor colour codes of our own
        Assert.DoesNotContain('\u0007', stdout);
        Assert.DoesNotContain('\u202e', stdout);
        Assert.Contains("\\x1b[31mgraph\\x1b]0;pwned\\x07\\u202e", stdout);
        // Not a terminal: the 300-character name stays on one line (no 80-column wrapping).
        Assert.Contains(stdout.Split('\n'), line => line.Contains(new string('g', 300)));
    }

    [Fact]
    public async Task JsonOutputCarriesHostileNamesAsJsonEscapes()
    {
        var (code, stdout, stderr) = await CliRunner.Run("summary", HostileModel(), "--json");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain(Esc, stdout);
        Assert.StartsWith($"{Esc}[31mgraph", JsonDocument.Parse(stdout).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ErrorsEchoingHostileTextAreEscaped()
    {
        var (code, stdout, stderr) = await CliRunner.Run("inspect", $"/nonexistent/{Esc}[2J{Esc}]0;x\u0007.safetensors", "--json");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.DoesNotContain(Esc, stderr);
        Assert.Contains("\\x1b[2J", stderr);
        Assert.DoesNotContain(Esc, stdout); // JSON escapes it as \u001B
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task ColumnsSetsTheWidth()
    {
        var model = _dir.File("plain.safetensors");
        ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(4, [3], 2), new Rng(0)), model);
        var before = Environment.GetEnvironmentVariable("COLUMNS");
        try
        {
            Environment.SetEnvironmentVariable("COLUMNS", "50");
            var (code, stdout, stderr) = await CliRunner.Run("summary", model);
            Assert.True(code == 0, stderr);
            Assert.All(stdout.TrimEnd().Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 50, $"{line.Length} columns: {line}"));
        }
        finally { Environment.SetEnvironmentVariable("COLUMNS", before); }
    }

    [Fact]
    public void NoColorTurnsColourOffEvenOnATerminal()
    {
        var before = Environment.GetEnvironmentVariable("NO_COLOR");
        try
        {
            Environment.SetEnvironmentVariable("NO_COLOR", null);
            Assert.True(CliConsole.ColorAllowed(tty: true));
            Assert.False(CliConsole.ColorAllowed(tty: false));
            Environment.SetEnvironmentVariable("NO_COLOR", "1");
            Assert.False(CliConsole.ColorAllowed(tty: true));
        }
        finally { Environment.SetEnvironmentVariable("NO_COLOR", before); }
    }
}
