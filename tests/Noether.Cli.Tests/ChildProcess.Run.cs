using System.Diagnostics;

namespace Noether.Cli.Tests;

internal static partial class ChildProcess
{
    /// <summary>Runs noether with <paramref name="args"/> in a child process to completion; exit code and both streams.</summary>
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "noether.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"noether {args[0]} did not finish in 5 minutes"); }
        return (p.ExitCode, await stdout, await stderr);
    }
}
