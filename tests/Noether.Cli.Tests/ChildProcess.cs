using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Noether.Cli.Tests;

/// <summary>Runs the built <c>noether</c> as a child process (<c>dotnet noether.dll …</c>) and sends it POSIX signals.</summary>
internal static partial class ChildProcess
{
    public const int SigInt = 2, SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    /// <summary>
    /// Starts noether with <paramref name="args"/>, waits <paramref name="delay"/>, asserts it is still running (else
    /// the test model is too small to be interrupted), sends <paramref name="signals"/> (20 ms apart) and waits for the
    /// exit. Returns the exit code, both streams and the time from the first signal to the exit.
    /// </summary>
    public static async Task<(int Code, string Out, string Err, TimeSpan AfterSignal)> Interrupt(string[] args, TimeSpan delay, params int[] signals)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "noether.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await Task.Delay(delay);
        Assert.False(p.HasExited, $"noether {args[0]} finished within {delay.TotalSeconds} s, before the signal (exit {(p.HasExited ? p.ExitCode : 0)}): make the test model larger. stderr: {(p.HasExited ? await stderr : "")}");
        var sw = Stopwatch.StartNew();
        foreach (var (signal, i) in signals.Select((s, i) => (s, i)))
        {
            if (i > 0) await Task.Delay(20);
            if (i > 0 && p.HasExited) break; // it already stopped on the first signal
            int rc = kill(p.Id, signal);
            if (rc != 0 && !(i > 0 && p.HasExited)) Assert.Fail($"kill({p.Id}, {signal}) failed");
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"noether {args[0]} ignored the signal for 30 s"); }
        return (p.ExitCode, await stdout, await stderr, sw.Elapsed);
    }
}
