using System.Diagnostics;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Diagnostics;

/// <summary>Settings of a zoo measurement: K models of one MLP on one data set, seeds <c>Seed + k</c>.</summary>
public sealed record ZooSettings(int Models = 64, int Epochs = 10, ulong Seed = 0, int BatchSize = 32, double LearningRate = 0.05,
    string Optimizer = "sgd", int[]? Hidden = null, StackedKernel Kernel = StackedKernel.SmallGemm, int Threads = 0)
{
    /// <summary>Hidden widths (default one layer of 32: 64-32-10 on digits).</summary>
    public int[] HiddenWidths => Hidden ?? [32];
}

/// <summary>One model of a zoo measurement: its test accuracy trained together and trained alone.</summary>
public sealed record ZooModelResult(int Index, ulong Seed, double TogetherAccuracy, double SequentialAccuracy, double DifferencePoints, double MaxWeightDifference);

/// <summary>Wall times of training K models together and one after another, and how far their results differ.</summary>
public sealed record ZooMeasurement(string Model, string Data, int Models, int Epochs, int BatchSize, double LearningRate, string Optimizer,
    string Kernel, int Threads, double TogetherSeconds, double SequentialSeconds, double Speedup, double MaxAccuracyDifferencePoints,
    IReadOnlyList<ZooModelResult> PerModel)
{
    /// <summary>Processor seconds (all threads) spent training together; less sensitive than wall time to a shared machine.</summary>
    public double TogetherCpuSeconds { get; init; }
    /// <summary>Processor seconds spent training one after another.</summary>
    public double SequentialCpuSeconds { get; init; }
    /// <summary>Sequential over together processor seconds: the work saved, apart from using more cores.</summary>
    public double CpuRatio => SequentialCpuSeconds / TogetherCpuSeconds;
}

/// <summary>
/// Trains K MLPs on the shipped digits data set with <see cref="ModelBatch{T}"/>, then the same K with
/// <see cref="Trainer.Fit"/> one after another (same seeds, so same initialisations and data orders), and compares.
/// </summary>
public static class ZooTraining
{
    /// <summary>Optimisers accepted by <see cref="Measure"/>.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["sgd", "adam"];

    /// <summary>Runs both trainings; <paramref name="progress"/> hears which phase runs.</summary>
    public static ZooMeasurement Measure(ZooSettings s, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Models < 1) throw new ArgumentException($"Models must be positive, got {s.Models}");
        if (s.Epochs < 1) throw new ArgumentException($"Epochs must be positive, got {s.Epochs}");
        if (!Optimizers.Contains(s.Optimizer)) throw new ArgumentException($"Unknown optimizer '{s.Optimizer}'. Known: {string.Join(", ", Optimizers)}");
        var (trainImages, testImages) = Datasets.Digits();
        var train = trainImages.WithSampleShape(64); var test = testImages.WithSampleShape(64);
        var graph = Builders.Mlp(64, s.HiddenWidths, 10);
        var seeds = Enumerable.Range(0, s.Models).Select(k => s.Seed + (ulong)k).ToArray();
        var schedule = LearningRateSchedule.Constant(s.LearningRate);
        int threads = s.Threads > 0 ? s.Threads : Environment.ProcessorCount;

        // Warm both paths up so neither timing pays for compilation: the JIT replaces unoptimised and precompiled
        // code by optimised code on a background thread some 100 ms after it becomes hot, so a few steps are not
        // enough (the batched run, a few hundred milliseconds in all, would spend much of it before tier-up). Rounds
        // of one epoch of exactly the configurations timed, with pauses for the JIT, until an epoch's time settles.
        progress?.Report("warming up");
        var optionsTogether = new ModelBatchOptions(1, s.BatchSize, schedule) { Kernel = s.Kernel, Threads = threads, MaxSteps = 50 };
        WarmUp(() => new ModelBatch<float>(graph, seeds).Fit(train, MakeOptimizer(s.Optimizer), optionsTogether, cancel: cancel), cancel);
        WarmUp(() => Trainer.Fit(Model<float>.Initialize(graph, new Rng(seeds[0])), train, null, MakeOptimizer(s.Optimizer).ForOneModel<float>(),
            new TrainOptions(1, s.BatchSize, schedule, seeds[0]) { EvaluateEachEpoch = false }, cancel: cancel), cancel);

        progress?.Report($"training {s.Models} models together");
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        double cpu0 = Cpu();
        var sw = Stopwatch.StartNew();
        var batch = new ModelBatch<float>(graph, seeds);
        batch.Fit(train, MakeOptimizer(s.Optimizer), new ModelBatchOptions(s.Epochs, s.BatchSize, schedule) { Kernel = s.Kernel, Threads = threads }, cancel: cancel);
        var together = batch.ExtractAll();
        double togetherSeconds = sw.Elapsed.TotalSeconds, togetherCpu = Cpu() - cpu0;

        progress?.Report($"training {s.Models} models one after another");
        cpu0 = Cpu();
        sw.Restart();
        var sequential = new List<Model<float>>();
        foreach (var seed in seeds)
        {
            var model = Model<float>.Initialize(graph, new Rng(seed));
            Trainer.Fit(model, train, null, MakeOptimizer(s.Optimizer).ForOneModel<float>(), new TrainOptions(s.Epochs, s.BatchSize, schedule, seed) { EvaluateEachEpoch = false }, cancel: cancel);
            sequential.Add(model);
        }
        double sequentialSeconds = sw.Elapsed.TotalSeconds, sequentialCpu = Cpu() - cpu0;

        progress?.Report("evaluating");
        var rows = new List<ZooModelResult>();
        for (int k = 0; k < s.Models; k++)
        {
            double a = Trainer.Evaluate(together[k], test, cancel: cancel).Accuracy, b = Trainer.Evaluate(sequential[k], test, cancel: cancel).Accuracy;
            rows.Add(new ZooModelResult(k, seeds[k], a, b, 100 * (a - b), MaxDifference(together[k], sequential[k])));
        }
        return new ZooMeasurement($"mlp-64-{string.Join("-", s.HiddenWidths)}-10", "digits", s.Models, s.Epochs, s.BatchSize, s.LearningRate, s.Optimizer,
            s.Kernel switch { StackedKernel.BatchedMatMul => "batched-matmul", StackedKernel.SmallGemm => "small-gemm", _ => "gemm-loop" }, threads, togetherSeconds, sequentialSeconds,
            sequentialSeconds / togetherSeconds, rows.Max(r => Math.Abs(r.DifferencePoints)), rows)
        { TogetherCpuSeconds = togetherCpu, SequentialCpuSeconds = sequentialCpu };
    }

    /// <summary>
    /// Runs <paramref name="round"/> until its time settles: it stops after two rounds in a row within 10 % of the
    /// fastest so far (at least three rounds), at most twelve.
    /// </summary>
    private static void WarmUp(Action round, CancellationToken cancel)
    {
        double best = double.MaxValue;
        for (int r = 0, settled = 0; r < 12 && settled < 2; r++)
        {
            cancel.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            round();
            double t = sw.Elapsed.TotalSeconds;
            if (r >= 1 && t <= 1.1 * best) settled++; else settled = 0;
            best = Math.Min(best, t);
            Thread.Sleep(120);
        }
    }

    private static StackedOptimizer MakeOptimizer(string name) => name == "adam" ? StackedOptimizer.Adam() : StackedOptimizer.Sgd(momentum: 0.9);

    private static double MaxDifference(Model<float> a, Model<float> b)
    {
        double max = 0;
        foreach (var (name, t) in a.Parameters)
        {
            var x = t.ToArray(); var y = b[name].ToArray();
            for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        }
        return max;
    }
}
