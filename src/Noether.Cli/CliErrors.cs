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
        var errors = parsed.Errors.Select(e => Plain(e.Message.TrimEnd('.')) + Suggestion(e.Message, parsed.CommandResult.Command)).Distinct();
        return $"{string.Join("; ", errors)} (usage: {command} --help)";
    }

    /// <summary>.NET type names in conversion errors said in words.</summary>
    private static string Plain(string message) => message
        .Replace("as expected type 'System.UInt64'", "as a non-negative integer")
        .Replace("as expected type 'System.Int32'", "as an integer")
        .Replace("as expected type 'System.Nullable`1[System.Int32]'", "as an integer")
        .Replace("as expected type 'System.Double'", "as a number")
        .Replace("as expected type 'System.Nullable`1[System.Double]'", "as a number");

    /// <summary>" (did you mean --seed?)" for an unrecognised token close to an option or subcommand name.</summary>
    private static string Suggestion(string message, Command command)
    {
        const string prefix = "Unrecognized command or argument '";
        if (!message.StartsWith(prefix, StringComparison.Ordinal)) return "";
        var token = message[prefix.Length..].TrimEnd('.').TrimEnd('\'');
        var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(command.Subcommands.Select(c => c.Name));
        var best = names.Select(n => (Name: n, Distance: Distance(token, n))).Where(p => p.Distance > 0 && p.Distance <= Math.Max(1, p.Name.Length / 3))
            .OrderBy(p => p.Distance).ThenBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is null ? "" : $" (did you mean {best.Name}?)";
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0]; row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private sealed record ErrorDocument(
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
        [property: System.Text.Json.Serialization.JsonPropertyName("code")] int Code);
}
