using System.CommandLine;
using System.Diagnostics;
using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether train</c>: trains a standard architecture on a built-in data set and saves it.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelCatalog.Names)}.", Required = true }.OneOf([.. ModelCatalog.Names]);
        var data = new Option<string>("--data") { Description = $"Data set: {string.Join(", ", Datasets.Names)}.", DefaultValueFactory = _ => "digits" };
        var dataDir = new Option<string?>("--data-dir") { Description = $"Directory of the Fashion-MNIST IDX files (default {Datasets.FashionMnistDirectory})." };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default: 30 on digits, 3 on fashion-mnist; 0 saves the initial model untrained)." }.AtLeast(0);
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, adam or adamw.", DefaultValueFactory = _ => "adam" }.OneOf("sgd", "adam", "adamw");
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (cosine decay; default 2e-3 for Adam, 0.05 for SGD)." }.Positive();
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 }.InRange(0, 1);
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay (decoupled for adamw).", DefaultValueFactory = _ => 0.0 }.NonNegative();
        var width = new Option<int?>("--width") { Description = "Hidden width of mlp/cnn (default 128); first-stage channels of resnet20 (default 16)." }.AtLeast(1);
        var depth = new Option<int>("--depth") { Description = "Hidden layers of mlp.", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var subset = new Option<int?>("--subset") { Description = "Train on the first N training samples only." }.AtLeast(1);
        var activation = new Option<string>("--activation") { Description = "Activation (relu, leaky_relu(0.1), gelu, silu, tanh, sigmoid, softplus, abs).", DefaultValueFactory = _ => "relu" }.Parses(a => Activation.Parse(a));
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, shuffling and dropout.", DefaultValueFactory = _ => 0UL };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64.", DefaultValueFactory = _ => "float32" }.OneOf("float32", "float64");
        var norm = new Option<string>("--norm") { Description = "mlp: normalisation after each hidden Linear (none, layernorm, batchnorm).", DefaultValueFactory = _ => "none" }.OneOf("none", "layernorm", "batchnorm");
        var asymmetry = new Option<string>("--asymmetry") { Description = "Remove parameter symmetry: none, w (W-asymmetric: frozen weights in every row of every Linear/Conv2d) or sigma (FiGLU activations).", DefaultValueFactory = _ => "none" }.OneOf("none", "w", "sigma");
        var kappa = new Option<double>("--kappa") { Description = "W-asymmetric: scale κ of the frozen Gaussian values.", DefaultValueFactory = _ => 1.0 }.Positive();
        var frozenPerRow = new Option<int>("--frozen-per-row") { Description = "W-asymmetric: frozen entries per row (capped at half the row).", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var asymSeed = new Option<ulong>("--asym-seed") { Description = "Seed of the fixed weights (masks, values, FiGLU matrices); keep it equal across models to compare.", DefaultValueFactory = _ => 0UL };
        var initOut = new Option<string?>("--init-out") { Description = "Also save the initial model (before training) here (.safetensors)." };
        var output = new Option<string?>("--out") { Description = "Where to save the trained model (.safetensors, architecture included); checked before training." };
        var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("train", "Train a model on a built-in data set.") { model, data, dataDir, epochs, batch, optimizer, lr, momentum, weightDecay, width, depth, subset, activation, seed, dtype, norm, asymmetry, kappa, frozenPerRow, asymSeed, output, initOut, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            var request = new TrainRequest(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(dataDir), parse.GetValue(epochs), parse.GetValue(batch),
                parse.GetValue(optimizer)!, parse.GetValue(lr), parse.GetValue(momentum), parse.GetValue(weightDecay), parse.GetValue(width),
                parse.GetValue(activation)!, parse.GetValue(seed), parse.GetValue(output), parse.GetValue(json)) { Depth = parse.GetValue(depth), Subset = parse.GetValue(subset), Overwrite = parse.GetValue(overwrite),
                Norm = parse.GetValue(norm)!, InitOut = parse.GetValue(initOut),
                Asymmetry = new Asymmetry(Asymmetry.ParseKind(parse.GetValue(asymmetry)!), parse.GetValue(frozenPerRow), parse.GetValue(kappa), parse.GetValue(asymSeed)) };
            return Task.FromResult(parse.GetValue(dtype) switch
            {
                "float32" => Run<float>(request, parse.InvocationConfiguration.Output, cancel),
                "float64" => Run<double>(request, parse.InvocationConfiguration.Output, cancel),
                var other => throw new ArgumentException($"--dtype must be float32 or float64, got '{other}'"),
            });
        });
        return cmd;
    }

    private sealed record TrainRequest(string Model, string Data, string? DataDir, int? Epochs, int BatchSize, string Optimizer, double? Lr,
        double Momentum, double WeightDecay, int? Width, string Activation, ulong Seed, string? Out, bool Json)
    {
        public int Depth { get; init; } = 2;
        public int? Subset { get; init; }
        public bool Overwrite { get; init; }
        public string Norm { get; init; } = "none";
        public Asymmetry Asymmetry { get; init; } = Asymmetry.None;
        public string? InitOut { get; init; }
    }

    private static int Run<T>(TrainRequest r, TextWriter stdout, CancellationToken cancel) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (r.BatchSize < 1) throw new ArgumentException($"--batch-size must be positive, got {r.BatchSize}");
        if (r.Out is not null) OutputFiles.CheckModel(r.Out, r.Overwrite);
        if (r.InitOut is not null) OutputFiles.CheckModel(r.InitOut, r.Overwrite);
        var (train, test) = Datasets.Load(r.Data, r.DataDir);
        if (r.Subset is int n)
        {
            if (n < 1) throw new ArgumentException($"--subset must be positive, got {n}");
            train = train.Subset(Enumerable.Range(0, Math.Min(n, train.Count)));
        }
        var fitted = ModelCatalog.Create(r.Model, train.SampleShape, train.Classes, r.Width, Activation.Parse(r.Activation), r.Depth, r.Norm);
        fitted = fitted with { Graph = r.Asymmetry.Apply(fitted.Graph) };
        train = train.WithSampleShape(fitted.InputShape); test = test.WithSampleShape(fitted.InputShape);
        int epochs = r.Epochs ?? (r.Data == "digits" ? 30 : 3);
        if (epochs < 0) throw new ArgumentException($"--epochs must not be negative, got {epochs}");
        Optimizer<T> opt = r.Optimizer switch
        {
            "sgd" => new Sgd<T>(r.Momentum, nesterov: false, r.WeightDecay),
            "adam" => new Adam<T>(weightDecay: r.WeightDecay, decoupledWeightDecay: false),
            "adamw" => new Adam<T>(weightDecay: r.WeightDecay, decoupledWeightDecay: true),
            _ => throw new ArgumentException($"--optimizer must be sgd, adam or adamw, got '{r.Optimizer}'"),
        };
        double peak = r.Lr ?? (r.Optimizer == "sgd" ? 0.05 : 2e-3);
        var options = new TrainOptions(epochs, r.BatchSize, LearningRateSchedule.Cosine(peak), r.Seed);
        var net = Model<T>.Initialize(fitted.Graph, new Rng(r.Seed));
        if (r.InitOut is not null) ModelFiles.Save(net, r.InitOut, new Dictionary<string, string> { ["noether.initial_for"] = train.Name });
        var sw = Stopwatch.StartNew();
        IReadOnlyList<EpochMetrics> history;
        if (r.Json) history = Trainer.Fit(net, train, test, opt, options, null, cancel);
        else
        {
            AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(fitted.Graph.Name)}[/] ({fitted.Graph.TrainableParameterCount:N0} parameters) on [bold]{train.Name}[/] ({train.Count:N0} samples), {epochs} epochs, {r.Optimizer} lr {peak}");
            history = CliConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: epochs * Math.Ceiling(train.Count / (double)r.BatchSize));
                    return Trainer.Fit(net, train, test, opt, options, new Progress(task), cancel);
                });
        }
        double seconds = sw.Elapsed.TotalSeconds;
        var final = Trainer.Evaluate(net, test, cancel: cancel);
        cancel.ThrowIfCancellationRequested();
        if (r.Out is not null) ModelFiles.Save(net, r.Out, new Dictionary<string, string> { ["noether.trained_on"] = train.Name, ["noether.test_accuracy"] = final.Accuracy.ToString("R") });
        if (r.Json)
        {
            CliOutput.WriteJson(stdout, new
            {
                model = r.Model, data = r.Data, asymmetry = r.Asymmetry.Kind.ToString().ToLowerInvariant(), parameters = fitted.Graph.TrainableParameterCount,
                frozen_parameters = fitted.Graph.Parameters.Sum(p => FrozenWeight.Of(p.Slot)?.Indices.Length ?? 0), epochs, seconds,
                test_accuracy = final.Accuracy, test_loss = final.Loss, history, saved_to = r.Out,
            });
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("epoch", "train loss", "test loss", "test accuracy", "seconds");
        foreach (var e in history)
            table.AddRow(e.Epoch.ToString(), e.TrainLoss.ToString("F4"), e.TestLoss?.ToString("F4") ?? "-", e.TestAccuracy?.ToString("P2") ?? "-", e.Seconds.ToString("F1"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"test accuracy [bold]{final.Accuracy:P2}[/] on {final.Count:N0} samples after {seconds:F1} s{(r.Out is null ? "" : $"; saved to {TerminalText.Markup(r.Out)}")}");
        return ExitCodes.Ok;
    }

    private sealed class Progress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.Increment(1);
            task.Description = $"epoch {p.Epoch} loss {p.Loss:F3}";
        }
    }
}
