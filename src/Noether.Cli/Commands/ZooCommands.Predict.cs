using System.CommandLine;
using System.Globalization;
using System.Text;
using Noether.IO;
using Noether.IO.Zoo;
using Noether.Metanetworks.Zoo;
using Noether.Nn;
using Spectre.Console;

namespace Noether.Cli.Commands;

internal static partial class ZooCommands
{
    private static readonly string[] Methods = ["nfn", "nfn-np", "gmn", "stats", "mlp"];

    private static Command Predict()
    {
        var dir = new Argument<string>("directory") { Description = "A merged zoo (noether zoo generate / merge wrote its index.json)." };
        var method = new Option<string>("--model") { Description = "nfn (hidden-neuron permutations), nfn-np (all neurons), gmn (graph metanetwork), stats (weight statistics + ridge) or mlp (flat weights).", Required = true }.OneOf(Methods);
        var augment = new Option<bool>("--augment") { Description = "mlp only: random elements of the derived symmetry group as data augmentation." };
        var testFraction = new Option<double>("--test-fraction") { Description = "Held-out share of the zoo.", DefaultValueFactory = _ => 0.25 }.InRange(0.01, 0.99);
        var epochs = new Option<int>("--epochs") { Description = "Training epochs of the metanetwork.", DefaultValueFactory = _ => 150 }.AtLeast(1);
        var batch = new Option<int>("--batch-size") { Description = "Models per batch.", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var lr = new Option<double>("--lr") { Description = "Adam's learning rate (cosine decay).", DefaultValueFactory = _ => 1e-3 }.Positive();
        var hidden = new Option<int>("--hidden") { Description = "Channels of NFN layers, width of GMN layers.", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, initialisation and batch order.", DefaultValueFactory = _ => 0UL };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N trained models of the zoo." }.AtLeast(4);
        var output = new Option<string?>("--out") { Description = "Write the held-out predictions (CSV: model, actual, predicted)." };
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("predict", "Train a metanetwork to predict test accuracy from weights on the zoo's training split; Kendall τ and R² on the held-out split (final checkpoints).")
            { dir, method, augment, testFraction, epochs, batch, lr, hidden, seed, limit, output, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            var outPath = parse.GetValue(output);
            if (outPath is not null) OutputFiles.Check(outPath, parse.GetValue(overwrite));
            var index = ZooMerger.ReadIndex(parse.GetValue(dir)!);
            var trained = index.Models.Where(m => m.Status == "trained" && m.Checkpoints.Count > 0).ToArray();
            if (parse.GetValue(limit) is int n) trained = trained.Take(n).ToArray();
            var options = new ZooPredictorOptions(parse.GetValue(method) switch
            {
                "nfn" => ZooMethod.Nfn, "nfn-np" => ZooMethod.NfnNp, "gmn" => ZooMethod.Gmn, "stats" => ZooMethod.Stats, _ => ZooMethod.Mlp,
            }, parse.GetValue(augment), parse.GetValue(testFraction), parse.GetValue(seed), parse.GetValue(epochs), parse.GetValue(batch),
                parse.GetValue(lr), parse.GetValue(hidden));
            bool asJson = parse.GetValue(json);
            var result = CliProgress.Run(CliProgress.Enabled(parse, asJson), stage =>
            {
                var loading = stage($"loading {trained.Length} models");
                var models = new Model<double>[trained.Length];
                for (int i = 0; i < trained.Length; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    models[i] = ModelFiles.Load<double>(trained[i].Checkpoints[^1].File);
                    loading?.Report((i + 1.0) / trained.Length);
                }
                stage($"training {parse.GetValue(method)}");
                return ZooPredictor.Run(models, trained.Select(m => m.Checkpoints[^1].TestAccuracy).ToArray(), options, null, cancel);
            });
            var (train, test) = ZooPredictor.Split(trained.Length, options.TestFraction, options.Seed);
            if (outPath is not null)
            {
                var sb = new StringBuilder("model,actual,predicted\n");
                for (int i = 0; i < test.Length; i++)
                    sb.Append(CultureInfo.InvariantCulture, $"{trained[test[i]].Index},{result.Actual[i]:R},{result.Predicted[i]:R}\n");
                AtomicText.Write(Path.GetFullPath(outPath), sb.ToString());
            }
            if (asJson)
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    method = result.Method, augment = result.Augment, train_models = result.TrainModels, test_models = result.TestModels,
                    kendall_tau = result.KendallTau, r2 = result.R2, seconds = result.Seconds, metanetwork_parameters = result.MetanetworkParameters,
                    epochs = options.Method == ZooMethod.Stats ? (int?)null : options.Epochs, seed = options.Seed,
                });
            else
            {
                var table = new Table().AddColumns("model", "train", "test", "Kendall τ", "R²", "seconds");
                table.AddRow(result.Method + (result.Augment ? " + augmentation" : ""), result.TrainModels.ToString(CultureInfo.InvariantCulture),
                    result.TestModels.ToString(CultureInfo.InvariantCulture), result.KendallTau.ToString("F3", CultureInfo.InvariantCulture),
                    result.R2.ToString("F3", CultureInfo.InvariantCulture), result.Seconds.ToString("F1", CultureInfo.InvariantCulture));
                AnsiConsole.Write(table);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
