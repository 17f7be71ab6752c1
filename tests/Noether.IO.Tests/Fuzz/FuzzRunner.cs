using System.Diagnostics;
using Noether.Tensors;

namespace Noether.IO.Tests.Fuzz;

/// <summary>What a fuzz run saw for one format.</summary>
public sealed record FuzzCounts(string Format, int Mutants, int Successes, int CleanErrors, int Crashes, int Hangs, int OverMemory,
    long MaxAllocatedBytes, TimeSpan Elapsed, IReadOnlyList<string> Failures)
{
    /// <summary>One line for logs and the README table.</summary>
    public override string ToString()
        => $"{Format}: {Mutants} mutants, {Successes} ok, {CleanErrors} clean errors, {Crashes} crashes, {Hangs} hangs, {OverMemory} over the memory cap "
           + $"(max {MaxAllocatedBytes / (1 << 20)} MiB allocated by one mutant) in {Elapsed.TotalSeconds:F1} s";
}

/// <summary>
/// Runs seeded mutants of a <see cref="FuzzTarget"/>'s seeds: each must open or fail with the format's one-line
/// exception (one line: no control characters), within <see cref="CaseTimeout"/> and allocating at most <see cref="MemoryCap"/>. Failures are collected
/// (with the mutant's bytes in base64, to replay) rather than stopping the run, so a long run counts them all.
/// </summary>
public static class FuzzRunner
{
    /// <summary>A mutant taking longer is a hang.</summary>
    public static TimeSpan CaseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes one mutant may allocate (managed, on the reading thread).</summary>
    public const long MemoryCap = 1L << 30;

    /// <summary>Runs <paramref name="mutants"/> mutants with a fixed seed.</summary>
    public static FuzzCounts Run(FuzzTarget target, int mutants, ulong seed)
    {
        var rng = new Rng(seed);
        using var dir = new TempDir();
        foreach (var (s, i) in target.Seeds.Select((s, i) => (s, i)))
        {
            var p = dir.Write($"seed{i}{target.Extension}", s);
            target.Open(p); // a seed that does not open proves nothing
        }
        int ok = 0, clean = 0, crashes = 0, hangs = 0, overMemory = 0;
        long maxAllocated = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < mutants; i++)
        {
            var seedImage = target.Seeds[rng.NextInt(target.Seeds.Count)];
            var image = target.Structured is not null && rng.NextInt(2) == 0 ? target.Structured(seedImage, rng) : Mutator.Mutate(seedImage, rng);
            var path = dir.Write($"mutant{i % 8}{target.Extension}", image);
            var run = Task.Factory.StartNew(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Exception? error = null;
                try { target.Open(path); }
                catch (Exception e) { error = e; }
                return (Error: error, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
            }, TaskCreationOptions.LongRunning);
            if (!run.Wait(CaseTimeout))
            {
                hangs++;
                failures.Add($"{target.Format} mutant {i}: no result within {CaseTimeout.TotalSeconds} s; image {Convert.ToBase64String(image)}");
                continue;
            }
            var (e, allocated) = run.Result;
            maxAllocated = Math.Max(maxAllocated, allocated);
            if (allocated > MemoryCap)
            {
                overMemory++;
                failures.Add($"{target.Format} mutant {i}: allocated {allocated >> 20} MiB; image {Convert.ToBase64String(image)}");
            }
            if (e is null) ok++;
            else if (target.IsClean(e) && !e.Message.Any(char.IsControl) && e.Message.Length > 0) clean++;
            else
            {
                crashes++;
                failures.Add($"{target.Format} mutant {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}\nimage {Convert.ToBase64String(image)}");
            }
        }
        return new(target.Format, mutants, ok, clean, crashes, hangs, overMemory, maxAllocated, clock.Elapsed, failures);
    }
}
