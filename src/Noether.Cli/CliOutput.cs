using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Noether.Cli;

/// <summary>Shared options and output helpers: every verb prints a human table or, with --json, one JSON document.</summary>
internal static class CliOutput
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Write one JSON document to stdout instead of tables." };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Group names (S_32 ⋉ (R+)^32) stay readable; the output is still valid JSON (never embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Writes <paramref name="value"/> as one JSON document and a newline. On the process's stdout the UTF-8 bytes go
    /// straight to the stream (a deep model's inspect writes tens of megabytes: no UTF-16 copy of the whole document).
    /// </summary>
    public static void WriteJson<T>(TextWriter output, T value)
    {
        if (!ReferenceEquals(output, Console.Out))
        {
            output.WriteLine(JsonSerializer.Serialize(value, Json));
            return;
        }
        output.Flush();
        using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
        JsonSerializer.Serialize(stdout, value, Json);
        stdout.Write("\n"u8);
    }
}
