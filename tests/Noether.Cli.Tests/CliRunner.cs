using System.Text.Json;
using Noether.Cli;

namespace Noether.Cli.Tests;

/// <summary>Runs the noether command in-process and captures its output.</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter(); var stderr = new StringWriter();
        int code = await NoetherApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static async Task<JsonElement> Json(params string[] args)
    {
        var (code, output, err) = await Run([.. args, "--json"]);
        Assert.True(code == 0, $"noether {string.Join(' ', args)} exited {code}: {err}");
        return JsonDocument.Parse(output).RootElement;
    }

    public static string TempFile(string extension) => Path.Combine(Path.GetTempPath(), $"noether-test-{Guid.NewGuid():N}{extension}");
}
