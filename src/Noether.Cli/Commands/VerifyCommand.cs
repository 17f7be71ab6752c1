using System.CommandLine;
using Noether.IO;
using Noether.Symmetry.Actions;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether verify A B</c>: do two models compute the same function on the given inputs?</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("a") { Description = "First model file." };
        var b = new Argument<string>("b") { Description = "Second model file." };
        var inputs = new Option<string[]>("--input") { Description = "Input .npy files bound to the graph inputs in order (default: random inputs from --seed).", AllowMultipleArgumentsPerToken = false };
        var batch = new Option<int>("--batch") { Description = "Batch size of random inputs.", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of random inputs.", DefaultValueFactory = _ => 0UL };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted relative difference max|a−b| / max|a|.", DefaultValueFactory = _ => 1e-5 };
        var json = CliOutput.JsonOption();
        var cmd = new Command("verify", "Compare two models' outputs; exit 0 when within tolerance, 1 otherwise.") { a, b, inputs, batch, seed, tolerance, json };
        cmd.SetAction((parse, _) =>
        {
            var (ma, _) = ModelArguments.Load(parse.GetValue(a)!);
            var (mb, _) = ModelArguments.Load(parse.GetValue(b)!);
            var given = parse.GetValue(inputs) ?? [];
            Tensor<double>[] x;
            if (given.Length > 0)
            {
                if (given.Length != ma.Graph.Inputs.Count)
                    throw new ArgumentException($"{parse.GetValue(a)} takes {ma.Graph.Inputs.Count} input(s) ({string.Join(", ", ma.Graph.Inputs)}), got {given.Length} --input file(s)");
                x = given.Select(Npy.Read<double>).ToArray();
            }
            else
            {
                var rng = new Rng(parse.GetValue(seed));
                x = ma.Graph.Inputs.Select(i => Tensor<double>.RandomNormal(rng, [parse.GetValue(batch), .. i.Shape])).ToArray();
            }
            var cmp = FunctionComparison.Of(ma, mb, x);
            double tol = parse.GetValue(tolerance);
            bool ok = cmp.Within(tol);
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { a = parse.GetValue(a), b = parse.GetValue(b), max_abs_diff = cmp.MaxAbsDiff, max_rel_diff = cmp.MaxRelDiff, tolerance = tol, equal = ok, outputs = cmp.Outputs, elements = cmp.Elements, inputs = given.Length > 0 ? "files" : "random" });
            else AnsiConsole.MarkupLine($"{(ok ? "[green]same function[/]" : "[red]different functions[/]")}: max |a−b| = {cmp.MaxAbsDiff:G4}, relative {cmp.MaxRelDiff:G4} (tolerance {tol:G3}) over {cmp.Elements:N0} output values");
            return Task.FromResult(ok ? ExitCodes.Ok : ExitCodes.CheckFailed);
        });
        return cmd;
    }
}
