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

    public static void WriteJson<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Json));
}
