using System.CommandLine;
using System.Globalization;
using System.Text;
using Noether.Nn.Diagnostics;
using Noether.Nn.Training;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether bench zoo</c>: K MLPs trained together (<see cref="ModelBatch{T}"/>) against the same K trained one after another.</summary>
internal static class BenchZooCommand
{
    public static Command Create()
    {
        var models = new Option<int>("--models") { Description = "Models K (seeds --seed … --seed + K − 1).", DefaultValueFactory = _ => 64 }.Between(1, 4096);
        var epochs = new Option<int>("--epochs") { Description = "Epochs over digits' 1,437 training images.", DefaultValueFactory = _ => 10 }.Between(1, 10000);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first model.", DefaultValueFactory = _ => 0UL };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size of every model.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var lr = new Option<double>("--lr") { Description = "Learning rate (constant).", DefaultValueFactory = _ => 0.05 }.Positive();
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam.", DefaultValueFactory = _ => "sgd" }.OneOf("sgd", "adam");
        var hidden = new Option<int[]>("--hidden") { Description = "Hidden widths of the MLP 64-…-10.", DefaultValueFactory = _ => [32], AllowMultipleArgumentsPerToken = true }.EachIn(1, 4096);
        var kernel = new Option<string>("--kernel") { Description = "gemm-loop (packed GEMM per model), batched-matmul (one MatMul per layer) or small-gemm (register-blocked per model).", DefaultValueFactory = _ => "small-gemm" }.OneOf("gemm-loop", "batched-matmul", "small-gemm");
        var threads = new Option<int>("--threads") { Description = "Threads for training together; 0 uses every core.", DefaultValueFactory = _ => 0 }.Between(0, 1024);
        var output = new Option<string?>("--out") { Description = "Write the per-model table as CSV to this file." };
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("zoo", "Train K MLPs on digits together as batched GEMMs, then one after another; compare wall time and accuracy.")
            { models, epochs, seed, batch, lr, optimizer, hidden, kernel, threads, output, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            var settings = new ZooSettings(parse.GetValue(models), parse.GetValue(epochs), parse.GetValue(seed), parse.GetValue(batch), parse.GetValue(lr),
                parse.GetValue(optimizer)!, parse.GetValue(hidden), parse.GetValue(kernel) switch { "batched-matmul" => StackedKernel.BatchedMatMul, "small-gemm" => StackedKernel.SmallGemm, _ => StackedKernel.GemmLoop },
                parse.GetValue(threads));
            var outPath = parse.GetValue(output);
            if (outPath is not null) OutputFiles.Check(outPath, parse.GetValue(overwrite));
            ZooMeasurement result;
            if (parse.GetValue(json)) result = ZooTraining.Measure(settings, cancel: cancel);
            else
            {
                ZooMeasurement? r = null;
                CliConsole.Status().Start("Training…", ctx => r = ZooTraining.Measure(settings, new Progress<string>(s => ctx.Status($"Training: {s}…")), cancel));
                result = r!;
            }
            if (outPath is not null) AtomicText.Write(outPath, Csv(result));
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { benchmark = "zoo", processor_count = Environment.ProcessorCount, result });
                return Task.FromResult(ExitCodes.Ok);
            }
            var summary = new Table().AddColumns("models", "epochs", "kernel", "together s", "one by one s", "× faster", "CPU s together", "CPU s one by one", "× less CPU", "max |Δ accuracy| (points)");
            summary.AddRow(result.Models.ToString(), result.Epochs.ToString(), result.Kernel, result.TogetherSeconds.ToString("F2"), result.SequentialSeconds.ToString("F2"),
                result.Speedup.ToString("F1"), result.TogetherCpuSeconds.ToString("F2"), result.SequentialCpuSeconds.ToString("F2"), result.CpuRatio.ToString("F1"),
                result.MaxAccuracyDifferencePoints.ToString("F2"));
            AnsiConsole.Write(summary);
            var table = new Table().AddColumns("model", "seed", "together %", "one by one %", "Δ points", "max |Δ weight|");
            foreach (var m in result.PerModel)
                table.AddRow(m.Index.ToString(), m.Seed.ToString(), (100 * m.TogetherAccuracy).ToString("F2"), (100 * m.SequentialAccuracy).ToString("F2"),
                    m.DifferencePoints.ToString("F2"), m.MaxWeightDifference.ToString("E1"));
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>The per-model table: one row per model, invariant culture.</summary>
    internal static string Csv(ZooMeasurement r)
    {
        var sb = new StringBuilder("model,seed,together_accuracy,sequential_accuracy,difference_points,max_weight_difference\n");
        foreach (var m in r.PerModel)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{m.Index},{m.Seed},{m.TogetherAccuracy:R},{m.SequentialAccuracy:R},{m.DifferencePoints:R},{m.MaxWeightDifference:R}"));
        return sb.ToString();
    }
}
