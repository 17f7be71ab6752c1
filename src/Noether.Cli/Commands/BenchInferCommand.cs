using System.CommandLine;
using Noether.Cli.Benchmarks;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether bench infer</c>: ResNet-20 inference at a given batch on Noether's executor and on ONNX Runtime,
/// in paired runs (ours, then ONNX Runtime's), with medians and the median per-run ratio of times.
/// </summary>
internal static class BenchInferCommand
{
    public static Command Create()
    {
        var batch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var seconds = new Option<double>("--seconds") { Description = "Minimum timed seconds per engine and run.", DefaultValueFactory = _ => 2.0 }.Positive();
        var runs = new Option<int>("--runs") { Description = "Paired runs; medians are reported.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var ort = new Option<bool>("--onnxruntime") { Description = "Also time ONNX Runtime on the exported model.", DefaultValueFactory = _ => true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of weights, statistics and inputs.", DefaultValueFactory = _ => 1 };
        var json = CliOutput.JsonOption();
        var cmd = new Command("infer", "ResNet-20 inference (images/s, 3×32×32) on Noether's executor and ONNX Runtime, paired.") { batch, seconds, runs, ort, seed, json };
        cmd.SetAction((parse, cancel) =>
        {
            int b = parse.GetValue(batch), n = parse.GetValue(runs);
            double secs = parse.GetValue(seconds);
            if (b < 1) throw new ArgumentException($"--batch-size must be positive, got {b}");
            if (n < 1) throw new ArgumentException($"--runs must be positive, got {n}");
            string? why = null;
            InferenceThroughput bench;
            try { bench = new InferenceThroughput(b, parse.GetValue(seed), parse.GetValue(ort)); }
            catch (InvalidOperationException e) when (parse.GetValue(ort))
            {
                why = e.Message;
                bench = new InferenceThroughput(b, parse.GetValue(seed), onnxRuntime: false);
            }
            if (!parse.GetValue(ort)) why = "disabled by --onnxruntime false";
            using var _ = bench;
            var ours = new List<InferenceRun>(); var theirs = new List<InferenceRun>();
            double diff = double.NaN, scale = double.NaN;
            void Run(Action<string>? status)
            {
                (diff, scale) = bench.Agreement();
                for (int r = 0; r < n; r++)
                {
                    status?.Invoke($"Run {r + 1}/{n}: Noether…");
                    ours.Add(bench.Noether(secs, cancel));
                    if (!bench.HasOnnxRuntime) continue;
                    status?.Invoke($"Run {r + 1}/{n}: ONNX Runtime…");
                    theirs.Add(bench.OnnxRuntime(secs, cancel));
                }
            }
            if (parse.GetValue(json)) Run(null);
            else CliConsole.Status().Start("Timing ResNet-20 inference…", ctx => Run(s => ctx.Status(s)));
            double oursMs = Median.Of(ours.Select(r => r.MillisecondsPerBatch));
            double? ortMs = theirs.Count > 0 ? Median.Of(theirs.Select(r => r.MillisecondsPerBatch)) : null;
            // Time ratio: ours / ONNX Runtime's per batch (≤ 1.5 is the target), median over the paired runs.
            double? ratio = theirs.Count > 0 ? Median.Of(ours.Zip(theirs, (o, t) => o.MillisecondsPerBatch / t.MillisecondsPerBatch)) : null;
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    benchmark = "infer", model = "resnet20", batch_size = b, processor_count = Environment.ProcessorCount, runs = n,
                    parameters = bench.Parameters, milliseconds_per_batch = oursMs, images_per_second = b / oursMs * 1e3,
                    onnxruntime_milliseconds_per_batch = ortMs, onnxruntime_images_per_second = ortMs is null ? null : b / ortMs * 1e3,
                    time_ratio = ratio, max_abs_difference = bench.HasOnnxRuntime ? diff : (double?)null, max_abs_logit = scale, onnxruntime_unavailable = why,
                    noether_runs = ours, onnxruntime_runs = theirs,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new Table().AddColumns("engine", "ms / batch", "images/s", "time × ONNX Runtime");
            table.AddRow("noether", oursMs.ToString("F1"), (b / oursMs * 1e3).ToString("F0"), ratio?.ToString("F2") ?? "-");
            if (ortMs is { } o) table.AddRow("onnxruntime", o.ToString("F1"), (b / o * 1e3).ToString("F0"), "1.00");
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"ResNet-20, batch {b}, medians of {n} paired run(s) ≥ {secs:G} s each."
                + (bench.HasOnnxRuntime ? $" Max |Δlogit| between engines: {diff:E2} (max |logit| {scale:E2})." : $" ONNX Runtime not measured: {why}."));
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
