using System.CommandLine;
using Noether.Alignment.Diagnostics;
using Noether.IO;
using Noether.Nn.Diagnostics;
using Noether.Tensors.Diagnostics;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether bench gemm|train|infer|lap</c>: kernel, training and assignment speed, with baselines measured in the same process.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure the speed of Noether's kernels on this machine.");
        var sizes = new Option<int[]>("--sizes") { Description = "Matrix sizes n (n×n×n products).", DefaultValueFactory = _ => [256, 512, 1024, 2048], AllowMultipleArgumentsPerToken = true }.EachIn(1, 16384);
        var threads = new Option<int[]>("--threads") { Description = "Thread counts to measure.", DefaultValueFactory = _ => [1, Environment.ProcessorCount], AllowMultipleArgumentsPerToken = true }.EachIn(1, 1024);
        var type = new Option<string>("--type") { Description = "Element type: float32 or float64.", DefaultValueFactory = _ => "float32" }.OneOf("float32", "float64");
        var seconds = new Option<double>("--seconds") { Description = "Minimum timed seconds per measurement.", DefaultValueFactory = _ => 1.0 }.Positive();
        var baseline = new Option<bool>("--baseline") { Description = "Also time a single-threaded TensorPrimitives.Dot baseline (sizes ≤ 1024).", DefaultValueFactory = _ => true };
        var json = CliOutput.JsonOption();
        var gemm = new Command("gemm", "GFLOP/s of the packed GEMM for n×n×n products.") { sizes, threads, type, seconds, baseline, json };
        gemm.SetAction((parse, cancel) =>
        {
            var results = new List<GemmMeasurement>();
            string t = parse.GetValue(type)!;
            if (t is not ("float32" or "float64")) throw new ArgumentException($"--type must be float32 or float64, got '{t}'");
            var sizeList = parse.GetValue(sizes)!; var threadList = parse.GetValue(threads)!.Distinct().ToArray();
            double secs = parse.GetValue(seconds);
            if (sizeList.Any(s => s < 1 || s > 16384)) throw new ArgumentException($"--sizes must lie in 1..16384, got {string.Join(", ", sizeList)}");
            if (threadList.Any(n => n < 1)) throw new ArgumentException($"--threads must be positive, got {string.Join(", ", threadList)}");
            void Run()
            {
                foreach (int n in sizeList)
                {
                    if (parse.GetValue(baseline) && n <= 1024)
                        results.Add(t == "float32" ? GemmThroughput.DotBaseline<float>(n, secs, cancel) : GemmThroughput.DotBaseline<double>(n, secs, cancel));
                    foreach (int th in threadList)
                        results.Add(t == "float32" ? GemmThroughput.Packed<float>(n, th, secs, cancel) : GemmThroughput.Packed<double>(n, th, secs, cancel));
                }
            }
            if (parse.GetValue(json))
            {
                Run();
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { benchmark = "gemm", element_type = t, processor_count = Environment.ProcessorCount, results });
                return Task.FromResult(ExitCodes.Ok);
            }
            CliConsole.Status().Start($"Timing GEMM ({t})…", _ => Run());
            var table = new Table().AddColumns("n", "kernel", "threads", "GFLOP/s", "ms / product", "× baseline");
            foreach (var r in results)
            {
                var b = results.FirstOrDefault(x => x.Size == r.Size && x.Kernel == "dot-baseline");
                table.AddRow(r.Size.ToString(), r.Kernel, r.Threads.ToString(), r.Gflops.ToString("F1"), (r.Seconds * 1e3).ToString("F2"),
                    b is null ? "-" : (r.Gflops / b.Gflops).ToString("F1"));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        bench.Subcommands.Add(gemm);
        bench.Subcommands.Add(BenchInferCommand.Create());
        bench.Subcommands.Add(CreateTrain());
        bench.Subcommands.Add(CreateLap());
        bench.Subcommands.Add(BenchModelsCommand.Create());
        bench.Subcommands.Add(BenchZooCommand.Create());
        return bench;
    }

    private static Command CreateTrain() => BenchTrainCommand.Create();

    private static Command CreateLap()
    {
        var size = new Option<int>("--n") { Description = "Size n of the n×n cost matrix (uniform [0, 1)).", DefaultValueFactory = _ => 1024 }.Between(1, 32768);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the cost matrix.", DefaultValueFactory = _ => 1 };
        var type = new Option<string>("--type") { Description = "Element type: float32 or float64.", DefaultValueFactory = _ => "float64" }.OneOf("float32", "float64");
        var repeat = new Option<int>("--repeat") { Description = "Timed solves; the fastest is reported.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var baseline = new Option<bool>("--baseline") { Description = "Also time a scalar port of scipy's algorithm (Crouse 2016) on the same matrix.", DefaultValueFactory = _ => false };
        var save = new Option<string?>("--save-costs") { Description = "Write the cost matrix to this .npy file (for bench/scipy_lap_reference.py)." };
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("lap", "Seconds to solve an n×n linear assignment exactly (seeded uniform costs).") { size, seed, type, repeat, baseline, save, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            int n = parse.GetValue(size), reps = parse.GetValue(repeat);
            string t = parse.GetValue(type)!;
            if (t is not ("float32" or "float64")) throw new ArgumentException($"--type must be float32 or float64, got '{t}'");
            if (n < 1 || n > 32768) throw new ArgumentException($"--n must lie in 1..32768, got {n}");
            if (reps < 1) throw new ArgumentException($"--repeat must be positive, got {reps}");
            if (parse.GetValue(save) is { } savePath) OutputFiles.Check(savePath, parse.GetValue(overwrite));
            LapMeasurement? solved = null, based = null;
            void Run()
            {
                if (t == "float32") Time(LapThroughput.Costs<float>(n, parse.GetValue(seed)));
                else Time(LapThroughput.Costs<double>(n, parse.GetValue(seed)));
            }
            void Time<T>(Noether.Tensors.Tensor<T> costs) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                if (parse.GetValue(save) is { } path) Npy.Write(path, costs);
                solved = LapThroughput.Measure(costs, reps, cancel);
                if (parse.GetValue(baseline)) based = LapThroughput.Baseline(costs, reps, cancel);
            }
            if (parse.GetValue(json))
            {
                Run();
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    benchmark = "lap", n, seed = parse.GetValue(seed), element_type = t, processor_count = Environment.ProcessorCount,
                    seconds = solved!.Seconds, cost = solved.Cost, augmentations = solved.Augmentations, scans = solved.Scans,
                    baseline_seconds = based?.Seconds, baseline_cost = based?.Cost, speedup = based is null ? (double?)null : based.Seconds / solved.Seconds,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            CliConsole.Status().Start($"Solving a {n}×{n} assignment ({t})…", _ => Run());
            var table = new Table().AddColumns("solver", "n", "seconds", "optimal cost", "× baseline");
            foreach (var r in new[] { based, solved }.OfType<LapMeasurement>())
                table.AddRow(r.Solver, r.Size.ToString(), r.Seconds.ToString("F4"), r.Cost.ToString("R"),
                    based is null ? "-" : (based.Seconds / r.Seconds).ToString("F1"));
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
