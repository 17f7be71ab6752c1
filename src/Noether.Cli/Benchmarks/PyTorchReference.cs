using System.Diagnostics;
using System.Text.Json;

namespace Noether.Cli.Benchmarks;

/// <summary>One PyTorch training measurement: the best thread setting's samples/s and which setting that was.</summary>
internal sealed record PyTorchFigure(double SamplesPerSecond, int Threads, string Framework);

/// <summary>
/// Runs bench/pytorch_reference.py as a child process (Debian's python3-torch; with libopenblas0-pthread installed,
/// otherwise torch runs on the reference BLAS and is tens of times slower) for one model and returns its best
/// thread setting, so <c>noether bench train</c> can interleave PyTorch runs with its own. OPENBLAS_CORETYPE is
/// removed from the child's environment.
/// </summary>
internal sealed class PyTorchReference(string python, string script)
{
    /// <summary>The interpreter.</summary>
    public string Python { get; } = python;

    /// <summary>The reference script.</summary>
    public string Script { get; } = script;

    /// <summary>
    /// Finds the script (<paramref name="given"/>, else bench/pytorch_reference.py above the working directory or the
    /// executable) and checks that <paramref name="python"/> imports torch; otherwise null and the reason.
    /// </summary>
    public static (PyTorchReference? Reference, string? Reason) Locate(string python, string? given)
    {
        string? script = given ?? FindUpwards(Path.Combine("bench", "pytorch_reference.py"));
        if (script is null || !File.Exists(script)) return (null, given is null ? "bench/pytorch_reference.py not found" : $"{given} not found");
        var (code, _, err) = RunProcess(python, ["-c", "import torch"], TimeSpan.FromSeconds(60));
        if (code != 0) return (null, $"{python} cannot import torch{(err.Length > 0 ? ": " + err.Trim().Split('\n')[^1] : "")}");
        return (new PyTorchReference(python, Path.GetFullPath(script)), null);
    }

    /// <summary>
    /// Measures <paramref name="model"/> at each thread count, one child process per count with PyTorch's and
    /// OpenBLAS's thread pools both set to it (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS: OpenBLAS's own pool fighting
    /// PyTorch's costs several times over), and returns the fastest.
    /// </summary>
    public PyTorchFigure Measure(string model, int[] threads, double seconds, CancellationToken cancel)
    {
        PyTorchFigure? best = null;
        foreach (int t in threads)
        {
            cancel.ThrowIfCancellationRequested();
            var args = new List<string> { Script, "--models", model, "--seconds", seconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--threads", t.ToString() };
            var env = new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = t.ToString(), ["OMP_NUM_THREADS"] = t.ToString() };
            var (code, output, err) = RunProcess(Python, args, TimeSpan.FromSeconds(120 + 4 * seconds), env);
            if (code != 0) throw new InvalidOperationException($"{Script} exited with code {code}: {err.Trim().Split('\n')[^1]}");
            using var doc = JsonDocument.Parse(output);
            string framework = doc.RootElement.GetProperty("framework").GetString() ?? "pytorch";
            double sps = doc.RootElement.GetProperty("results").EnumerateArray().Max(r => r.GetProperty("samples_per_second").GetDouble());
            if (best is null || sps > best.SamplesPerSecond) best = new PyTorchFigure(sps, t, framework);
        }
        return best ?? throw new ArgumentException("PyTorch: no thread setting to measure");
    }

    private static string? FindUpwards(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return null;
    }

    private static (int Code, string Output, string Error) RunProcess(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("OPENBLAS_CORETYPE");
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e) { return (-1, "", $"cannot start {file}: {e.Message}"); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout)) { process.Kill(entireProcessTree: true); return (-1, "", $"{file} timed out after {timeout.TotalSeconds:F0} s"); }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
