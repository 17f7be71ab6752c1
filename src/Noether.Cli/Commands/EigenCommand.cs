using System.CommandLine;
using Noether.Graphs;
using Noether.Graphs.Data;
using Noether.Graphs.Encodings;
using Noether.Graphs.Training;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>eigen</c>: graph regression with Laplacian-eigenvector positional encodings (SignNet, BasisNet, SPE).</summary>
internal static class EigenCommand
{
    private static readonly string[] Encodings = ["none", "eig", "signnet", "basisnet", "spe"];

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "molecules (rdkit-data NCI, built in) or cycles (generated random graphs).", Required = true }.OneOf("molecules", "cycles");
        var target = new Option<string?>("--target") { Description = "Target: tpsa, rings, logp (molecules; default tpsa) or cycle3..cycle6 (cycles; default cycle4)." };
        var model = new Option<string>("--model") { Description = "Message-passing layer.", DefaultValueFactory = _ => "gin" }.OneOf("gin", "gatedgcn");
        var pe = new Option<string>("--pe") { Description = "Positional encoding from Laplacian eigenvectors.", DefaultValueFactory = _ => "none" }.OneOf(Encodings);
        var k = new Option<int>("--eigenvectors") { Description = "Eigenvectors per graph (smaller graphs are zero-padded and masked).", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 30 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, batch order and sign-flip augmentation (the splits are fixed).", DefaultValueFactory = _ => 1UL };
        var batch = new Option<int>("--batch-size") { Description = "Graphs per step.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var lr = new Option<double>("--lr") { Description = "Peak Adam learning rate (cosine decay).", DefaultValueFactory = _ => 3e-3 }.Positive();
        var width = new Option<int>("--width") { Description = "Hidden width of the message-passing layers.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var layers = new Option<int>("--layers") { Description = "Message-passing layers.", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var train = new Option<int>("--train-size") { Description = "Training graphs (cycles: generated; molecules: the first of the fixed training split).", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var data = new Option<string?>("--data") { Description = "Molecule graph file (default: the built-in data/molecules-nci5k.txt.gz)." };
        var json = CliOutput.JsonOption();
        var cmd = new Command("eigen", "Train a graph regressor with eigenvector positional encodings (none, raw with sign flips, SignNet, BasisNet, SPE) and print the test MAE.")
            { task, target, model, pe, k, epochs, seed, batch, lr, width, layers, train, data, json };
        cmd.SetAction((parse, cancel) =>
        {
            string taskName = parse.GetValue(task)!;
            var dataset = taskName == "cycles"
                ? CycleGraphs.Create(train: parse.GetValue(train))
                : MoleculeGraphs.Load(parse.GetValue(data), maxTrain: parse.GetValue(train));
            string targetName = parse.GetValue(target) ?? (taskName == "cycles" ? "cycle4" : "tpsa");
            dataset.TargetIndex(targetName);
            var options = new GraphRegressorOptions
            {
                Layer = parse.GetValue(model) == "gatedgcn" ? GraphLayerKind.GatedGcn : GraphLayerKind.Gin,
                Encoding = Enum.Parse<PositionalEncodingKind>(parse.GetValue(pe)!, ignoreCase: true),
                Eigenvectors = parse.GetValue(k), Width = parse.GetValue(width), Layers = parse.GetValue(layers),
            };
            var training = new EigenTrainingOptions
            {
                Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
            };
            bool asJson = parse.GetValue(json);
            var result = CliProgress.Run(CliProgress.Enabled(parse, asJson), stage =>
            {
                var bar = stage($"{taskName}/{targetName}: {parse.GetValue(model)} + {parse.GetValue(pe)}");
                return EigenTraining.Run(dataset, targetName, options, training, e => bar?.Report((double)e.Epoch / e.Epochs), cancel);
            });
            cancel.ThrowIfCancellationRequested();
            if (asJson)
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    task = taskName, target = result.Target, model = parse.GetValue(model), pe = parse.GetValue(pe), eigenvectors = options.Eigenvectors,
                    seed = training.Seed, epochs = result.EpochsRun, test_mae = result.TestMae, validation_mae = result.ValidationMae,
                    best_epoch = result.BestEpoch, median_predictor_test_mae = result.BaselineTestMae, parameters = result.ParameterCount,
                    train_graphs = dataset.Train.Count, validation_graphs = dataset.Validation.Count, test_graphs = dataset.Test.Count,
                    seconds = result.Seconds,
                });
            else
            {
                AnsiConsole.MarkupLine($"test MAE [bold]{result.TestMae:F4}[/] ({taskName}/{result.Target}, {parse.GetValue(model)} + {parse.GetValue(pe)}, k = {options.Eigenvectors}, seed {training.Seed})");
                AnsiConsole.MarkupLine($"validation MAE {result.ValidationMae:F4} at epoch {result.BestEpoch}/{result.EpochsRun}; median predictor {result.BaselineTestMae:F4}; " +
                    $"{result.ParameterCount:N0} parameters; {dataset.Train.Count}/{dataset.Validation.Count}/{dataset.Test.Count} graphs; {result.Seconds:F1} s");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }
}
