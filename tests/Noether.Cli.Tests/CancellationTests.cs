using System.Text.Json;
using Noether.IO;
using Noether.IO.Internal;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>Models big enough that the long verbs take several seconds, written once for the cancellation tests.</summary>
public sealed class CancellationModels : IDisposable
{
    private readonly TempDir _dir = new();

    public CancellationModels()
    {
        // transform ≈ 5 s, canonicalize ≈ 30 s on this machine (92 MB of float32 weights).
        Wide = Save("wide.safetensors", Builders.Mlp(1024, Enumerable.Repeat(2048, 6).ToArray(), 10), 0);
        // inspect and transform take several seconds: loading and derivation over 240,000 nodes (near-linear).
        Deep = Save("deep.safetensors", Builders.Mlp(8, Enumerable.Repeat(8, 120000).ToArray(), 2), 0);
        // align ≈ 9 s: weight matching of six 512-wide layers.
        MidA = Save("mid-a.safetensors", Builders.Mlp(64, Enumerable.Repeat(512, 6).ToArray(), 10), 0);
        MidB = Save("mid-b.safetensors", Builders.Mlp(64, Enumerable.Repeat(512, 6).ToArray(), 10), 1);
    }

    public string Wide { get; }
    public string Deep { get; }
    public string MidA { get; }
    public string MidB { get; }

    private string Save(string name, Graph graph, ulong seed)
    {
        var path = _dir.File(name);
        ModelFiles.Save(Model<float>.Initialize(graph, new Rng(seed)), path);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Ctrl-C (SIGINT) and SIGTERM stop every long verb: exit 130, nothing written, no temporary file left.</summary>
public sealed class CancellationTests(CancellationModels models) : IClassFixture<CancellationModels>, IDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1.5);
    private readonly TempDir _out = new();
    public void Dispose() => _out.Dispose();

    private void AssertNothingWritten(string? output = null)
    {
        if (output is not null) Assert.False(File.Exists(output), $"{output} was written");
        Assert.Empty(Directory.GetFiles(_out.Path, "*", SearchOption.AllDirectories));
    }

    private static void AssertCancelled((int Code, string Out, string Err, TimeSpan AfterSignal) r)
    {
        Assert.True(r.Code == ExitCodes.Cancelled, $"exit {r.Code}, stderr: {r.Err}");
        Assert.Contains("noether: cancelled", r.Err); // our handler ran: not a kill by the signal's default action
        Assert.DoesNotContain("Unhandled", r.Err);
        Assert.True(r.AfterSignal < TimeSpan.FromSeconds(5), $"took {r.AfterSignal} to stop");
    }

    [Fact]
    public async Task SigIntStopsTransform()
    {
        var output = _out.File("moved.safetensors");
        var r = await ChildProcess.Interrupt(["transform", models.Deep, "--random", "--out", output], Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        AssertNothingWritten(output);
    }

    [Fact]
    public async Task SigIntStopsInspectWithAJsonErrorUnderJson()
    {
        var r = await ChildProcess.Interrupt(["inspect", models.Deep, "--json"], Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(130, doc.GetProperty("code").GetInt32());
        Assert.Equal("cancelled", doc.GetProperty("error").GetString());
    }

    [Fact]
    public async Task SigIntStopsCanonicalize()
    {
        var output = _out.File("canonical.safetensors");
        var r = await ChildProcess.Interrupt(["canonicalize", models.Wide, "--out", output], Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        AssertNothingWritten(output);
    }

    [Fact]
    public async Task SigIntStopsAlign()
    {
        var output = _out.File("aligned.safetensors");
        var r = await ChildProcess.Interrupt(["align", models.MidA, models.MidB, "--out", output], Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        AssertNothingWritten(output);
    }

    [Fact]
    public async Task SigIntStopsMerge()
    {
        var output = _out.File("merged.safetensors");
        var r = await ChildProcess.Interrupt(["merge", models.MidA, models.MidB, "--align", "--out", output], Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        AssertNothingWritten(output);
    }

    [Fact]
    public async Task SigIntStopsBarrier()
    {
        var r = await ChildProcess.Interrupt(["barrier", models.MidA, models.MidB, "--data", "digits", "--align", "weight", "--out", _out.Path],
            Delay, ChildProcess.SigInt);
        AssertCancelled(r);
        AssertNothingWritten();
    }

    [Fact]
    public async Task SigTermStopsTrainBeforeItSaves()
    {
        var output = _out.File("trained.safetensors");
        var r = await ChildProcess.Interrupt(["train", "--model", "mlp", "--epochs", "200", "--out", output], Delay, ChildProcess.SigTerm);
        AssertCancelled(r);
        AssertNothingWritten(output);
    }

    /// <summary>
    /// The old crash: System.CommandLine's handler completed its task twice when a second signal came after its
    /// timeout ("An attempt was made to transition a task to a final state…"). Now a second signal ends the process
    /// at once, without a crash report.
    /// </summary>
    [Fact]
    public async Task ASecondSignalDuringTrainEndsItWithoutACrash()
    {
        var output = _out.File("trained.safetensors");
        var r = await ChildProcess.Interrupt(["train", "--model", "mlp", "--epochs", "200", "--out", output], Delay, ChildProcess.SigInt, ChildProcess.SigTerm);
        Assert.True(r.Code is ExitCodes.Cancelled or 143, $"exit {r.Code}: {r.Err}");
        Assert.DoesNotContain("transition a task", r.Err);
        Assert.DoesNotContain("Unhandled", r.Err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task ACancelledTokenInProcessExits130AndWritesNothing()
    {
        var output = _out.File("moved.safetensors");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var stdout = new StringWriter(); var stderr = new StringWriter();
        int code = await NoetherApp.RunAsync(["transform", models.Wide, "--random", "--out", output, "--json"], stdout, stderr, cts.Token);
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.Equal("{\"error\":\"cancelled\",\"code\":130}", stdout.ToString().Trim());
        AssertNothingWritten(output);
    }

    [Fact]
    public void ACancelledWriteLeavesNeitherTargetNorTemporaryFile()
    {
        var target = _out.File("array.bin");
        using var cts = new CancellationTokenSource();
        using (FileCancellation.Scope(cts.Token))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.Write(target, stream =>
            {
                stream.Write(new byte[1024]);
                cts.Cancel();
                stream.Write(new byte[1024]);
            }));
        }
        AssertNothingWritten(target);
        AtomicFile.Write(target, stream => stream.Write(new byte[3])); // outside the scope: written
        Assert.Equal(3, new FileInfo(target).Length);
    }

    [Fact]
    public async Task StaleTemporariesOfDeadWritersAreCleanedOnTheNextWriteAndNothingElse()
    {
        var dir = _out.Path;
        string Temp(string name, long pid) => Path.Combine(dir, $".{name}.{pid}.{Guid.NewGuid():N}.tmp");
        var dead = Temp("moved.safetensors", 2_000_000_000); // no such process
        var live = Temp("moved.safetensors", 1); // init is running
        var fresh = Temp("other.safetensors", 2_000_000_001); // written after this process started: left alone
        var foreign = Path.Combine(dir, ".moved.safetensors.tmp"); // not our pattern
        var legacy = Path.Combine(dir, $".moved.safetensors.{Guid.NewGuid():N}.tmp"); // no PID: cannot tell its owner
        foreach (var f in new[] { dead, live, fresh, foreign, legacy }) File.WriteAllText(f, "x");
        var old = DateTime.UtcNow.AddDays(-1);
        foreach (var f in new[] { dead, live, foreign, legacy }) File.SetLastWriteTimeUtc(f, old);
        File.SetLastWriteTimeUtc(fresh, DateTime.UtcNow.AddMinutes(1));
        var small = _out.File("small.safetensors");
        ModelFiles.Save(Model<float>.Initialize(Builders.Mlp(4, [3], 2), new Rng(0)), small);
        Assert.False(File.Exists(dead));
        var (code, _, err) = await CliRunner.Run("transform", small, "--random", "--out", _out.File("moved.safetensors"));
        Assert.True(code == 0, err);
        Assert.True(File.Exists(live) && File.Exists(fresh) && File.Exists(foreign) && File.Exists(legacy));
    }
}
