using System.CommandLine;
using System.Text.Json;

namespace Noether.Cli;

/// <summary>
/// Reports a failed command: one sanitised line on stderr, and with <c>--json</c> also one JSON object on stdout,
/// <c>{"error": "…", "code": N}</c>, so scripts that read stdout always get a document.
/// </summary>
internal static class CliErrors
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the report and returns <paramref name="code"/>.</summary>
    public static int Report(TextWriter stdout, TextWriter stderr, bool json, string message, int code)
    {
        stderr.WriteLine($"noether: {TerminalText.Escape(message)}");
        if (json) stdout.WriteLine(JsonSerializer.Serialize(new ErrorDocument(message, code), Compact));
        return code;
    }

    /// <summary>True when the arguments ask for JSON (before any <c>--</c>), even if they do not parse.</summary>
    public static bool JsonRequested(IReadOnlyList<string> args)
    {
        foreach (var a in args)
        {
            if (a == "--") return false;
            if (a == "--json") return true;
        }
        return false;
    }

    /// <summary>The parse errors of <paramref name="parsed"/> as one line naming the command and where its help is.</summary>
    public static string Usage(ParseResult parsed)
    {
        var names = new List<string>();
        for (var r = parsed.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command is RootCommand ? "noether" : r.Command.Name);
        var command = string.Join(' ', names);
        var errors = parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct();
        return $"{string.Join("; ", errors)} (usage: {command} --help)";
    }

    private sealed record ErrorDocument(
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
        [property: System.Text.Json.Serialization.JsonPropertyName("code")] int Code);
}
