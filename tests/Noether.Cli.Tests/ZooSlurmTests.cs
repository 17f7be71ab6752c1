using System.Diagnostics;
using System.Text.Json;

namespace Noether.Cli.Tests;

/// <summary>
/// A real Slurm cluster (one node, this machine): scripts/test.sh starts it and exports SLURM_CONF; without that,
/// the fixture starts one itself with scripts/slurm-local.sh (which needs root or sudo to install and run Slurm).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly string? _started;

    public SlurmCluster()
    {
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is { Length: > 0 } conf && File.Exists(conf)) { Conf = conf; return; }
        string script = Path.Combine(RepositoryRoot(), "scripts", "slurm-local.sh");
        _started = Path.Combine(Path.GetTempPath(), $"noether-slurm-{Guid.NewGuid():N}");
        var (code, stdout, stderr) = Shell("bash", script, "start", _started);
        if (code != 0) throw new InvalidOperationException($"could not start a local Slurm cluster with {script} (exit {code}): {stderr.Trim()}");
        Conf = stdout.Trim().Split('=', 2)[1];
        Environment.SetEnvironmentVariable("SLURM_CONF", Conf);
    }

    /// <summary>The cluster's slurm.conf.</summary>
    public string Conf { get; }

    public void Dispose()
    {
        if (_started is null) return;
        Shell("bash", Path.Combine(RepositoryRoot(), "scripts", "slurm-local.sh"), "stop", _started);
        Environment.SetEnvironmentVariable("SLURM_CONF", null);
        try { Directory.Delete(_started, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static (int Code, string Out, string Err) Shell(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"{program} {string.Join(' ', args)} took over 5 minutes"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "slurm-local.sh"))) return d.FullName;
        throw new DirectoryNotFoundException($"no scripts/slurm-local.sh above {AppContext.BaseDirectory}");
    }
}

public sealed class ZooSlurmTests(SlurmCluster cluster) : IClassFixture<SlurmCluster>, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-zoo-tests", Guid.NewGuid().ToString("N"));
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

    private static readonly string[] Zoo = ["--recipe", "small-cnn", "--data", "digits", "--count", "32", "--max-epochs", "2", "--seed", "5"];

    [Fact]
    public async Task FourArrayTasksBuildExactlyTheZooOneProcessBuilds()
    {
        Assert.True(File.Exists(cluster.Conf));
        string viaSlurm = Path.Combine(_dir, "slurm"), single = Path.Combine(_dir, "single");
        var submitted = await CliRunner.Json(["zoo", "slurm", .. Zoo, "--shards", "4", "--cpus-per-task", "1", "--out", viaSlurm, "--submit"]);
        string job = submitted.GetProperty("job_id").GetString()!;
        Assert.Matches("^[0-9]+$", job);
        var sw = Stopwatch.StartNew();
        while (SlurmCluster.Shell("squeue", "-h", "-j", job).Out.Trim().Length > 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(5), $"Slurm job {job} still queued or running after 5 minutes");
            await Task.Delay(500);
        }
        // Four array tasks ran (one log each) and each finished its shard.
        var logs = Directory.GetFiles(Path.Combine(viaSlurm, "logs")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{job}_{i}.out"), logs);
        var status = await CliRunner.Json("zoo", "status", viaSlurm);
        Assert.Equal(4, status.GetProperty("shards").GetArrayLength());
        Assert.All(status.GetProperty("shards").EnumerateArray(), s => Assert.Equal("finished", s.GetProperty("state").GetString()));
        var merged = await CliRunner.Json("zoo", "merge", viaSlurm);
        Assert.Equal(32, merged.GetProperty("models").GetInt32());

        var one = await CliRunner.Json(["zoo", "generate", .. Zoo, "--out", single]);
        Assert.Equal(32, one.GetProperty("trained").GetInt32());
        Assert.Equal(File.ReadAllText(Path.Combine(single, "index.csv")), File.ReadAllText(Path.Combine(viaSlurm, "index.csv")));
        var files = Directory.GetFiles(Path.Combine(single, "models")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(files, Directory.GetFiles(Path.Combine(viaSlurm, "models")).Select(Path.GetFileName).Order().ToArray());
        foreach (var f in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(single, "models", f!)), File.ReadAllBytes(Path.Combine(viaSlurm, "models", f!)));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(viaSlurm, "index.json")));
        Assert.Equal(Enumerable.Range(0, 32), index.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("index").GetInt32()));
    }
}

public sealed class ZooResumeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-zoo-tests", Guid.NewGuid().ToString("N"));
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

    [Fact]
    public async Task AShardKilledWithSigkillResumesWithoutDuplicatesOrPartialFiles()
    {
        string[] zoo = ["zoo", "generate", "--count", "10", "--max-epochs", "6", "--seed", "2", "--workers", "1"];
        string killed = Path.Combine(_dir, "killed"), reference = Path.Combine(_dir, "reference");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "noether.dll"));
        foreach (var a in zoo.Append("--out").Append(killed)) psi.ArgumentList.Add(a);
        string atKill = ""; int exit = 0;
        using (var p = Process.Start(psi)!)
        {
            var records = Path.Combine(killed, "records");
            var sw = Stopwatch.StartNew();
            while (!(Directory.Exists(records) && Records(records).Length >= 2))
            {
                if (p.HasExited) Assert.Fail($"noether finished before it could be killed: {p.StandardError.ReadToEnd()}");
                Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), "no model finished in 3 minutes");
                await Task.Delay(20);
            }
            atKill = string.Join(",", Directory.GetFiles(records).Select(Path.GetFileName)); // temporaries too
            p.Kill(); // SIGKILL: no chance to clean up
            await p.WaitForExitAsync();
            exit = p.ExitCode;
        }
        // Finished records only: the kill may catch a record while it is written (a hidden temporary file).
        int before = Records(Path.Combine(killed, "records")).Length;
        Assert.True(before is >= 2 and <= 9, $"{before} records after the kill (killed at {atKill}, exit {exit})");
        Assert.False(File.Exists(Path.Combine(killed, "index.json")));

        var resumed = await CliRunner.Json([.. zoo, "--out", killed]);
        Assert.Equal(before, resumed.GetProperty("already_done").GetInt32());
        Assert.Equal(10 - before, resumed.GetProperty("trained").GetInt32());
        await CliRunner.Json([.. zoo, "--out", reference]);
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "index.csv")), File.ReadAllText(Path.Combine(killed, "index.csv")));
        var files = Directory.GetFiles(Path.Combine(reference, "models")).Select(Path.GetFileName).Order().ToArray();
        // No extra (half-written or duplicate) files: exactly the reference's, with the same bytes.
        Assert.Equal(files, Directory.GetFiles(Path.Combine(killed, "models")).Select(Path.GetFileName).Order().ToArray());
        foreach (var f in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "models", f!)), File.ReadAllBytes(Path.Combine(killed, "models", f!)));
        Assert.Empty(Directory.EnumerateFiles(killed, ".*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>The finished model records of a shard (not the hidden temporaries of atomic writes).</summary>
    private static string[] Records(string dir) =>
        Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".tmp", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task MergeOfAnIncompleteZooIsAOneLineErrorWithExitCode2()
    {
        string dir = Path.Combine(_dir, "z");
        await CliRunner.Json("zoo", "generate", "--count", "4", "--max-epochs", "1", "--shard", "1/2", "--out", dir);
        var (code, _, err) = await CliRunner.Run("zoo", "merge", dir);
        Assert.Equal(2, code);
        Assert.Contains("missing shard 0 of 2", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        var (code2, _, err2) = await CliRunner.Run("zoo", "generate", "--count", "4", "--shard", "2/2", "--out", dir);
        Assert.Equal(2, code2);
        Assert.Contains("0 <= i < K", err2);
    }
}
