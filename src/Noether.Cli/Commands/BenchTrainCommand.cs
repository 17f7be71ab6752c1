using System.CommandLine;
using Noether.Cli.Benchmarks;
using Noether.Nn.Diagnostics;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether bench train</c>: training throughput of the reference MLP and CNN, in paired runs with PyTorch
/// (bench/pytorch_reference.py as a child process) when it is installed: for each run and model, ours at each
/// thread setting then PyTorch's at each, the fastest setting of each side counting; medians over the runs and the
/// median of the per-run ratios.
/// </summary>
internal static class BenchTrainCommand
{
    /// <summary>Paired runs of one model.</summary>
    internal sealed record ModelSummary(string Model, long Parameters, int BatchSize,
        double SamplesPerSecond, double MillisecondsPerStep, double? PytorchSamplesPerSecond, double? Ratio,
        int Gen0Collections, int Gen1Collections, int Gen2Collections, long AllocatedBytesPerStep,
        IReadOnlyList<ThroughputMeasurement> Runs, IReadOnlyList<PyTorchFigure> PytorchRuns);

    public static Command Create()
    {
        var models = new Option<string[]>("--models") { Description = "Reference models to time.", DefaultValueFactory = _ => TrainingThroughput.Models.ToArray(), AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 128 }.AtLeast(1);
        var seconds = new Option<double>("--seconds") { Description = "Minimum timed seconds per model and run.", DefaultValueFactory = _ => 2.0 }.Positive();
        var runs = new Option<int>("--runs") { Description = "Paired runs (ours, then PyTorch's); medians are reported.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var pytorch = new Option<bool>("--pytorch") { Description = "Interleave PyTorch runs when python3 can import torch.", DefaultValueFactory = _ => true };
        var python = new Option<string>("--python") { Description = "Python interpreter with torch.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--pytorch-script") { Description = "Path of pytorch_reference.py (default: bench/ above the working directory)." };
        var threads = new Option<int[]>("--threads") { Description = "Thread settings tried per run, for Noether and for PyTorch alike; each side's fastest counts.", DefaultValueFactory = _ => [1, Environment.ProcessorCount], AllowMultipleArgumentsPerToken = true };
        var json = CliOutput.JsonOption();
        var cmd = new Command("train", "Training throughput (samples/s) of the reference MLP and CNN on 28×28 inputs, paired with PyTorch's.")
            { models, batch, seconds, runs, pytorch, python, script, threads, json };
        cmd.SetAction((parse, cancel) =>
        {
            int b = parse.GetValue(batch), n = parse.GetValue(runs);
            double secs = parse.GetValue(seconds);
            if (b < 1) throw new ArgumentException($"--batch-size must be positive, got {b}");
            if (n < 1) throw new ArgumentException($"--runs must be positive, got {n}");
            var list = parse.GetValue(models)!;
            foreach (var m in list) if (!TrainingThroughput.Models.Contains(m)) throw new ArgumentException($"Unknown benchmark model '{m}'. Known: {string.Join(", ", TrainingThroughput.Models)}");
            var threadList = parse.GetValue(threads)!;
            if (threadList.Length == 0 || threadList.Any(t => t < 1)) throw new ArgumentException($"--threads must be positive, got {string.Join(", ", threadList)}");
            var (reference, why) = parse.GetValue(pytorch) ? PyTorchReference.Locate(parse.GetValue(python)!, parse.GetValue(script)) : (null, "disabled by --pytorch false");
            // PyTorch's batch is fixed at 128 in the script; other batch sizes are not paired.
            if (reference is not null && b != 128) (reference, why) = (null, "the PyTorch script times batch 128 only");
            var ours = list.ToDictionary(m => m, _ => new List<ThroughputMeasurement>());
            var theirs = list.ToDictionary(m => m, _ => new List<PyTorchFigure>());
            var every = list.ToDictionary(m => m, _ => new List<ThroughputMeasurement>());
            void Run(Action<string>? status)
            {
                for (int r = 0; r < n; r++)
                    foreach (var m in list)
                    {
                        status?.Invoke($"Run {r + 1}/{n}: {m} (Noether)…");
                        var each = threadList.Select(t => TrainingThroughput.Measure(m, b, secs, cancel, t)).ToList();
                        every[m].AddRange(each);
                        ours[m].Add(each.MaxBy(x => x.SamplesPerSecond)!);
                        if (reference is null) continue;
                        status?.Invoke($"Run {r + 1}/{n}: {m} (PyTorch)…");
                        theirs[m].Add(reference.Measure(m, threadList, secs, cancel));
                    }
            }
            if (parse.GetValue(json)) Run(null);
            else CliConsole.Status().Start("Timing training steps…", ctx => Run(s => ctx.Status(s)));
            var summaries = list.Select(m => Summarize(m, b, ours[m], theirs[m], every[m])).ToList();
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    benchmark = "train", processor_count = Environment.ProcessorCount, runs = n, seconds_per_run = secs,
                    pytorch = reference is null ? null : theirs.Values.SelectMany(v => v).FirstOrDefault()?.Framework,
                    pytorch_unavailable = why, results = summaries,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new Table().AddColumns("model", "parameters", "samples/s", "ms / step", "PyTorch samples/s", "× PyTorch", "GC gen0/1/2", "KB alloc / step");
            foreach (var s in summaries)
                table.AddRow(s.Model, s.Parameters.ToString("N0"), s.SamplesPerSecond.ToString("F0"), s.MillisecondsPerStep.ToString("F1"),
                    s.PytorchSamplesPerSecond?.ToString("F0") ?? "-", s.Ratio?.ToString("F2") ?? "-",
                    $"{s.Gen0Collections}/{s.Gen1Collections}/{s.Gen2Collections}", (s.AllocatedBytesPerStep / 1024.0).ToString("F0"));
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"Medians of {n} paired run(s), batch {b}, ≥ {secs:G} s each; GC counts are totals over every timed steady-state measurement."
                + (why is null ? "" : $" PyTorch not measured: {why}."));
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>Medians of the per-run best figures; collection counts summed over every timed measurement (<paramref name="every"/>).</summary>
    internal static ModelSummary Summarize(string model, int batch, IReadOnlyList<ThroughputMeasurement> ours, IReadOnlyList<PyTorchFigure> theirs,
        IReadOnlyList<ThroughputMeasurement> every)
    {
        double? torch = theirs.Count > 0 ? Median.Of(theirs.Select(t => t.SamplesPerSecond)) : null;
        double? ratio = theirs.Count > 0 ? Median.Of(ours.Zip(theirs, (o, t) => o.SamplesPerSecond / t.SamplesPerSecond)) : null;
        return new ModelSummary(model, ours[0].Parameters, batch,
            Median.Of(ours.Select(o => o.SamplesPerSecond)), Median.Of(ours.Select(o => o.MillisecondsPerStep)), torch, ratio,
            every.Sum(o => o.Gen0Collections), every.Sum(o => o.Gen1Collections), every.Sum(o => o.Gen2Collections),
            (long)Median.Of(every.Select(o => (double)o.AllocatedBytesPerStep)), ours, theirs);
    }
}
