using System.CommandLine;
using Noether.Tensors.Diagnostics;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether bench gemm</c>: GEMM throughput with a baseline measured in the same process.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure the speed of Noether's kernels on this machine.");
        var sizes = new Option<int[]>("--sizes") { Description = "Matrix sizes n (n×n×n products).", DefaultValueFactory = _ => [256, 512, 1024, 2048], AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int[]>("--threads") { Description = "Thread counts to measure.", DefaultValueFactory = _ => [1, Environment.ProcessorCount], AllowMultipleArgumentsPerToken = true };
        var type = new Option<string>("--type") { Description = "Element type: float32 or float64.", DefaultValueFactory = _ => "float32" };
        var seconds = new Option<double>("--seconds") { Description = "Minimum timed seconds per measurement.", DefaultValueFactory = _ => 1.0 };
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
            AnsiConsole.Status().Start($"Timing GEMM ({t})…", _ => Run());
            var table = new Table().AddColumns("n", "kernel", "threads", "GFLOP/s", "ms / product", "× baseline");
            foreach (var r in results)
            {
                var b = results.FirstOrDefault(x => x.Size == r.Size && x.Kernel == "dot-baseline");
                table.AddRow(r.Size.ToString(), r.Kernel, r.Threads.ToString(), r.GFlops.ToString("F1"), (r.Seconds * 1e3).ToString("F2"),
                    b is null ? "-" : (r.GFlops / b.GFlops).ToString("F1"));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        bench.Subcommands.Add(gemm);
        return bench;
    }
}
