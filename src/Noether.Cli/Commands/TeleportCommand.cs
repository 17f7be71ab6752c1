using System.CommandLine;
using Noether.Symmetry.Teleportation;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary>
/// <c>noether teleport</c>: Zhao et al.'s multi-layer regression trained by full-batch gradient descent with and
/// without one symmetry teleport, per seed; writes the curves as CSV and prints a summary.
/// </summary>
internal static class TeleportCommand
{
    public static Command Create()
    {
        var defaults = new TeleportExperimentOptions();
        var sizes = new Option<int[]>("--sizes") { Description = "Samples, inputs, hidden widths…, outputs (Zhao et al.: 4 5 6 7 8 = 4 samples, 5 → 6 → 7 → 8).", DefaultValueFactory = _ => [.. defaults.Sizes], AllowMultipleArgumentsPerToken = true }.EachIn(1, 1 << 16);
        var slope = new Option<double>("--slope") { Description = "LeakyReLU slope (must be > 0: the construction inverts σ).", DefaultValueFactory = _ => defaults.Slope }.Positive();
        var bias = new Option<bool>("--bias") { Description = "Give the Linear layers biases (the reference has none)." };
        var lr = new Option<double>("--lr") { Description = "Gradient-descent learning rate.", DefaultValueFactory = _ => defaults.LearningRate }.Positive();
        var epochs = new Option<int>("--epochs") { Description = "Full-batch gradient-descent steps.", DefaultValueFactory = _ => defaults.Epochs }.AtLeast(1);
        var at = new Option<int>("--teleport-at") { Description = "0-based epoch before whose step the model is teleported.", DefaultValueFactory = _ => defaults.TeleportAt }.AtLeast(0);
        var steps = new Option<int>("--teleport-steps") { Description = "Gradient-ascent steps on ‖∇L‖².", DefaultValueFactory = _ => defaults.Teleport.Steps }.AtLeast(0);
        var teleportLr = new Option<double>("--teleport-lr") { Description = "Ascent step size (in units of the loss; Zhao et al.: 1e-7).", DefaultValueFactory = _ => defaults.Teleport.StepSize }.NonNegative();
        var unguarded = new Option<bool>("--unguarded") { Description = "Do not halve ascent steps that make the next GD step worse (plain ascent; can teleport to points GD diverges from)." };
        var loss = new Option<string>("--loss") { Description = "half-sse (½‖Y − f(X)‖², the reference) or mse.", DefaultValueFactory = _ => "half-sse" };
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds (0, 1, …) of data and initial weights.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var output = new Option<string?>("--out") { Description = "Directory for seed_S.csv (curves) and summary.csv; created if missing." };
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("teleport", "Symmetry teleportation (Zhao et al. 2022) on a small regression MLP: gradient descent with and without a teleport.")
            { sizes, slope, bias, lr, epochs, at, steps, teleportLr, unguarded, loss, seeds, output, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            int seedCount = parse.GetValue(seeds);
            if (seedCount < 1) throw new ArgumentException($"--seeds must be positive, got {seedCount}");
            var options = new TeleportExperimentOptions
            {
                Sizes = parse.GetValue(sizes)!, Slope = parse.GetValue(slope), Bias = parse.GetValue(bias), LearningRate = parse.GetValue(lr),
                Epochs = parse.GetValue(epochs), TeleportAt = parse.GetValue(at), Loss = RegressionLosses.Parse(parse.GetValue(loss)!),
                Teleport = new TeleportOptions { Steps = parse.GetValue(steps), StepSize = parse.GetValue(teleportLr) },
                GuardTeleport = !parse.GetValue(unguarded),
            };
            options.Validate();
            string? dir = parse.GetValue(output);
            var targets = dir is null ? [] : OutputFiles.CheckFolder(dir, TeleportCurveFiles.Names(seedCount), parse.GetValue(overwrite));
            bool asJson = parse.GetValue(json);
            var runs = new List<TeleportExperimentRun>();
            void RunAll(Action? afterSeed)
            {
                for (ulong s = 0; s < (ulong)seedCount; s++)
                {
                    runs.Add(TeleportExperiment.Run(options, s, cancel));
                    afterSeed?.Invoke();
                }
            }
            if (asJson) RunAll(null);
            else CliConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
                .Start(ctx => { var task = ctx.AddTask("seeds", maxValue: seedCount); RunAll(() => task.Increment(1)); });
            var summary = runs.Select(r => TeleportSeedSummary.Of(r, options.TeleportAt)).ToArray();
            cancel.ThrowIfCancellationRequested();
            var files = dir is null ? [] : OutputFiles.Batch(targets, () => TeleportCurveFiles.Write(dir, runs, summary));
            var stdout = parse.InvocationConfiguration.Output;
            if (asJson)
            {
                CliOutput.WriteJson(stdout, new
                {
                    sizes = options.Sizes, slope = options.Slope, bias = options.Bias, lr = options.LearningRate, epochs = options.Epochs, teleport_at = options.TeleportAt,
                    teleport_steps = options.Teleport.Steps, teleport_lr = options.Teleport.StepSize, guarded = options.GuardTeleport, loss = parse.GetValue(loss),
                    pairs = runs[0].Teleport.Pairs.Select(p => p.ToString()), seeds = summary, all_below_gd = summary.All(s => s.BelowGdAfterTeleport), files,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            AnsiConsole.MarkupLine($"[bold]sizes {string.Join(' ', options.Sizes)}[/], LeakyReLU({options.Slope}), GD lr {options.LearningRate}, {options.Epochs} epochs, "
                + $"teleport before epoch {options.TeleportAt} ({options.Teleport.Steps} ascent steps of {options.Teleport.StepSize}{(options.GuardTeleport ? ", guarded" : "")}) on {TerminalText.Markup(string.Join("; ", runs[0].Teleport.Pairs))}");
            var table = new Table().AddColumns("seed", "loss before", "loss after", "rel. change", "‖∇L‖ before", "‖∇L‖ after", "steps", "final loss GD", "final loss GD+teleport", "below GD");
            foreach (var s in summary)
                table.AddRow(s.Seed.ToString(), s.LossBefore.ToString("G6"), s.LossAfter.ToString("G6"), s.RelativeLossChange.ToString("G2"), s.GradNormBefore.ToString("G5"),
                    s.GradNormAfter.ToString("G5"), s.TeleportSteps.ToString(), s.FinalLossGd.ToString("G5"), s.FinalLossTeleport.ToString("G5"), s.BelowGdAfterTeleport ? "yes" : "[red]no[/]");
            AnsiConsole.Write(table);
            foreach (var f in files) AnsiConsole.MarkupLine($"wrote [bold]{TerminalText.Markup(f)}[/]");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
