using System.CommandLine;
using Noether.Alignment.Stitching;
using Spectre.Console;

namespace Noether.Cli.Commands;

internal static partial class RepresentationCommands
{
    public static Command Stitch()
    {
        var a = new Argument<string>("a") { Description = "Model whose layers up to the cut are used." };
        var b = new Argument<string>("b") { Description = "Model whose layers after the cut are used (same architecture)." };
        var layer = new Option<string>("--layer") { Description = "The hidden value to cut at (see noether similarity for the layers).", Required = true };
        var cls = new Option<string[]>("--class") { Description = "Stitching class: affine, grelu, perm, orthogonal, lowrank:R or l1:λ (repeatable, or comma-separated).", Required = true, AllowMultipleArgumentsPerToken = true };
        var data = DataOption("Training (stitch) and test (accuracy) data"); var dataDir = DataDirOption();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var samples = new Option<int>("--train-samples") { Description = "Training samples used (the first ones; 0 evaluates the initial map).", DefaultValueFactory = _ => 10_000 }.AtLeast(0);
        var testSamples = new Option<int?>("--test-samples") { Description = "Test samples used for the accuracies (the first ones; default all)." }.AtLeast(1);
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-2 }.Finite();
        var identity = new Option<bool>("--identity-init") { Description = "Start from the identity map instead of at random." };
        var temperature = new Option<double?>("--final-temperature") { Description = "Sinkhorn temperature at the end of training of grelu/perm (annealed geometrically from 1)." }.Positive();
        var push = new Option<double?>("--push") { Description = "Weight of the penalty Σ P(1 − P)/c pushing a relaxed permutation toward a permutation." }.NonNegative();
        var fineTune = new Option<int?>("--finetune-epochs") { Description = "grelu: passes training the diagonal with the rounded permutation fixed." }.AtLeast(0);
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation and shuffling.", DefaultValueFactory = _ => 0UL };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption();
        var cmd = new Command("stitch", "Can a constrained map connect A's layer to B's? Train a stitching layer of a class with both models frozen; report accuracy and penalty.")
            { a, b, layer, cls, data, dataDir, epochs, samples, testSamples, lr, identity, temperature, push, fineTune, seed, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!, cut = parse.GetValue(layer)!;
            var classes = parse.GetValue(cls)!.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(StitchClass.Parse).ToArray();
            var (ma, _) = ModelArguments.Load(pa, parse.GetValue(arch));
            var (mb, _) = ModelArguments.Load(pb, parse.GetValue(arch));
            var (train, test) = DataArguments.Load(parse.GetValue(data)!, parse.GetValue(dataDir));
            train = DataArguments.Fit(train, ma.Graph); test = DataArguments.Fit(test, ma.Graph);
            if (parse.GetValue(testSamples) is int nt && nt < test.Count) test = test.Subset(Enumerable.Range(0, nt));
            var defaults = new StitchOptions();
            var options = new StitchOptions
            {
                FinalTemperature = parse.GetValue(temperature) ?? defaults.FinalTemperature,
                PermutationPenalty = parse.GetValue(push) ?? defaults.PermutationPenalty,
                FineTuneEpochs = parse.GetValue(fineTune) ?? defaults.FineTuneEpochs,
                Epochs = parse.GetValue(epochs), MaxTrainSamples = parse.GetValue(samples), LearningRate = parse.GetValue(lr),
                IdentityInit = parse.GetValue(identity), Seed = parse.GetValue(seed), NameA = pa, NameB = pb,
            };
            var results = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage =>
                classes.Select(c => Stitcher.Stitch(ma, mb, cut, c, train, test, options, stage($"stitching {cut} with {c}"), cancel)).ToArray());
            cancel.ThrowIfCancellationRequested();
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    a = pa, b = pb, layer = cut,
                    results = results.Select(r => new
                    {
                        @class = r.Class.ToString(), accuracy_a = r.AccuracyA, accuracy_b = r.AccuracyB, accuracy_stitched = r.AccuracyStitched,
                        penalty = r.Penalty, accuracy_relaxed = Nullable(r.AccuracyRelaxed), accuracy_rounded = Nullable(r.AccuracyRounded), train_loss = Nullable(r.TrainLoss), steps = r.Steps,
                    }),
                });
            else
            {
                var t = new Table().AddColumns("class", "accuracy A", "accuracy B", "stitched", "penalty", "train loss");
                foreach (var r in results)
                    t.AddRow(TerminalText.Markup(r.Class.ToString()), r.AccuracyA.ToString("P2"), r.AccuracyB.ToString("P2"), r.AccuracyStitched.ToString("P2"),
                        (100 * r.Penalty).ToString("F2") + " pt", double.IsNaN(r.TrainLoss) ? "–" : r.TrainLoss.ToString("F4"));
                AnsiConsole.Write(t);
                AnsiConsole.MarkupLine($"penalty = mean accuracy of A and B − stitched accuracy, at {TerminalText.Markup(cut)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static double? Nullable(double v) => double.IsNaN(v) ? null : v;
}
