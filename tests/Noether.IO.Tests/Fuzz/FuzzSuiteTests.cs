using System.Diagnostics;

namespace Noether.IO.Tests.Fuzz;

/// <summary>
/// The fuzz suite of issue 11: seeded mutants of valid safetensors, ONNX, .npy, .npz, graph-JSON and torch .pt files must each
/// end in success or the format's one-line exception — never another exception type, never a hang, never over the
/// memory cap. NOETHER_FUZZ_MUTANTS sets the mutants per format (default 300: a few seconds per format);
/// experiments/fuzz/run.sh runs 10,000 and more, NOETHER_FUZZ_REPORT appends the counts to a file.
/// </summary>
public class FuzzSuiteTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Formats => new() { "safetensors", "onnx", "npy", "npz", "graph-json", "pt" };

    private static int Mutants => int.TryParse(Environment.GetEnvironmentVariable("NOETHER_FUZZ_MUTANTS"), out int n) && n > 0 ? n : 300;

    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("NOETHER_FUZZ_SEED"), out ulong s) ? s : 0xF022;

    [Theory, MemberData(nameof(Formats))]
    public void EveryMutantOpensOrFailsWithTheFormatsOneLineError(string format)
    {
        var counts = FuzzRunner.Run(FuzzTargets.All[format](), Mutants, Seed ^ Fnv(format));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        output.WriteLine($"{counts}; process peak working set {peak >> 20} MiB");
        if (Environment.GetEnvironmentVariable("NOETHER_FUZZ_REPORT") is { Length: > 0 } report)
            File.AppendAllText(report, $"{counts}; seed {Seed}; peak working set {peak >> 20} MiB{Environment.NewLine}");
        foreach (var f in counts.Failures.Take(5)) output.WriteLine(f);
        Assert.True(counts.Crashes == 0 && counts.Hangs == 0 && counts.OverMemory == 0, $"{counts}\n{string.Join("\n", counts.Failures.Take(3))}");
        // The mutations must reach both outcomes, or the suite proves little.
        Assert.True(counts.Successes > 0 && counts.CleanErrors > counts.Mutants / 10, counts.ToString());
    }

    private static ulong Fnv(string s) => s.Aggregate(14695981039346656037UL, (h, c) => (h ^ c) * 1099511628211UL);
}
