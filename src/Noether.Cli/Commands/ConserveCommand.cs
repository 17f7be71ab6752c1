using System.CommandLine;
using System.Globalization;
using Noether.IO;
using Noether.IO.Numpy;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Symmetry.Conservation;
using Noether.Tensors;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether conserve</c>: trains a model while recording every conserved quantity its symmetries imply.</summary>
internal static class ConserveCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = $"A model file, or an architecture to initialise: {string.Join(", ", ModelCatalog.Names)}." };
        var data = new Option<string>("--data") { Description = "digits, fashion-mnist, or an .npz file with arrays x [N, …] and y [N].", DefaultValueFactory = _ => "digits" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the Fashion-MNIST IDX files." };
        var subset = new Option<int?>("--subset") { Description = "Use only the first N training samples." }.AtLeast(1);
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum, nesterov, adam or adamw.", DefaultValueFactory = _ => "sgd" }.OneOf("sgd", "momentum", "nesterov", "adam", "adamw");
        var lr = new Option<double?>("--lr") { Description = "Constant learning rate (default 0.05 for SGD variants, 1e-3 for Adam)." }.Positive();
        var momentum = new Option<double>("--momentum") { Description = "Momentum of momentum/nesterov.", DefaultValueFactory = _ => 0.9 }.InRange(0, 1);
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay λ (decoupled for adamw).", DefaultValueFactory = _ => 0.0 }.NonNegative();
        var steps = new Option<int>("--steps") { Description = "Optimisation steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var width = new Option<int>("--width") { Description = "Hidden width when MODEL is an architecture name.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var activation = new Option<string>("--activation") { Description = "Activation when MODEL is an architecture name.", DefaultValueFactory = _ => "relu" }.Parses(a => Activation.Parse(a));
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation and shuffling.", DefaultValueFactory = _ => 0UL };
        var flow = new Option<bool>("--flow") { Description = "Integrate the gradient flow θ̇ = −∇L of the full-batch loss (adaptive RK45) instead of running the optimiser." };
        var time = new Option<double?>("--time") { Description = "Flow time T (default: lr × steps, the time GD covers)." }.Positive();
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance of the flow integrator (ReLU kinks make tight tolerances slow).", DefaultValueFactory = _ => 1e-8 }.InRange(0, 1, includeMin: false);
        var output = new Option<string>("--out") { Description = "Directory for the CSV files and plots.", DefaultValueFactory = _ => "conserve-out" };
        var arch = SymmetryCommands.ArchOption(); var overwrite = OutputFiles.OverwriteOption();
        var json = CliOutput.JsonOption();
        var cmd = new Command("conserve", "Train while recording every conserved quantity the model's symmetries imply; report drift per family.")
        { model, data, dataDir, subset, optimizer, lr, momentum, weightDecay, steps, batch, width, activation, seed, flow, time, rtol, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            var r = new Request(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(dataDir), parse.GetValue(subset), parse.GetValue(optimizer)!,
                parse.GetValue(lr), parse.GetValue(momentum), parse.GetValue(weightDecay), parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(width),
                parse.GetValue(activation)!, parse.GetValue(seed), parse.GetValue(output)!, parse.GetValue(arch), parse.GetValue(json))
            { Flow = parse.GetValue(flow), Time = parse.GetValue(time), Rtol = parse.GetValue(rtol), Overwrite = parse.GetValue(overwrite) };
            return Task.FromResult(Run(r, parse.InvocationConfiguration.Output, cancel));
        });
        return cmd;
    }

    private sealed record Request(string Model, string Data, string? DataDir, int? Subset, string Optimizer, double? Lr, double Momentum, double WeightDecay,
        int Steps, int BatchSize, int Width, string Activation, ulong Seed, string Out, string? Arch, bool Json)
    {
        public bool Flow { get; init; }
        public double? Time { get; init; }
        public double Rtol { get; init; } = 1e-8;
        public bool Overwrite { get; init; }
    }

    private static int Run(Request r, TextWriter stdout, CancellationToken cancel)
    {
        if (r.Steps < 1) throw new ArgumentException($"--steps must be positive, got {r.Steps}");
        if (r.BatchSize < 1) throw new ArgumentException($"--batch-size must be positive, got {r.BatchSize}");
        var targets = OutputFiles.CheckFolder(r.Out, ConservationFiles.Names, r.Overwrite, r.Model, r.Data);
        var (net, train) = Load(r);
        var laws = ConservationLaws.Derive(net.Graph);
        if (DataLaws.ConstantInputs(net.Graph, train, out _) is { } dataLaws) laws = laws with { Families = [.. laws.Families, dataLaws] };
        var (opt, sgd) = Optimizer(r);
        double lrValue = r.Lr ?? (r.Optimizer is "adam" or "adamw" ? 1e-3 : 0.05);
        if (!(lrValue > 0) || !double.IsFinite(lrValue)) throw new ArgumentException($"--lr must be positive and finite, got {lrValue}");
        var options = new TrainOptions(int.MaxValue / 2, r.BatchSize, LearningRateSchedule.Constant(lrValue), r.Seed) { MaxSteps = r.Steps };
        ConservationReport report;
        if (r.Flow) report = Flow(r, net, train, laws, lrValue, cancel);
        else if (r.Json) report = ConservationRun.Train(net, train, laws, opt, options, sgd, null, cancel);
        else
        {
            AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(net.Graph.Name)}[/] ({net.Graph.TrainableParameterCount:N0} parameters) on [bold]{TerminalText.Markup(train.Name)}[/] ({train.Count:N0} samples): " +
                $"{laws.Count:N0} conserved quantities in {laws.Families.Count} families; {r.Steps} steps of {r.Optimizer}, lr {lrValue}{(r.WeightDecay != 0 ? $", weight decay {r.WeightDecay}" : "")}");
            report = CliConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: r.Steps);
                    return ConservationRun.Train(net, train, laws, opt, options, sgd, new StepProgress(task), cancel);
                });
        }
        // A cancelled run writes nothing (the partial report is discarded): exit 130 always means no output.
        if (report.Cancelled) throw new OperationCanceledException(cancel);
        var files = OutputFiles.Batch(targets, () => ConservationFiles.Write(report, r.Out));
        if (r.Json) CliOutput.WriteJson(stdout, Summary(r, lrValue, report, files));
        else Print(report, files);
        return ExitCodes.Ok;
    }

    private static ConservationReport Flow(Request r, Model<double> net, Dataset train, ConservedQuantities laws, double lr, CancellationToken cancel)
    {
        double duration = r.Time ?? lr * r.Steps;
        if (!(r.Rtol > 0) || r.Rtol >= 1) throw new ArgumentException($"--rtol must be in (0, 1), got {r.Rtol}");
        var ode = GradientFlow.DefaultOptions with { RelativeTolerance = r.Rtol, AbsoluteTolerance = r.Rtol * 1e-2, MaxSteps = 10_000_000 };
        if (r.Json) return ConservationRun.Flow(net, train, laws, duration, ode, null, null, cancel);
        AnsiConsole.MarkupLine($"[bold]{TerminalText.Markup(net.Graph.Name)}[/] ({net.Graph.TrainableParameterCount:N0} parameters) on [bold]{TerminalText.Markup(train.Name)}[/] ({train.Count:N0} samples, one batch): " +
            $"{laws.Count:N0} conserved quantities in {laws.Families.Count} families; gradient flow to t = {duration:G4}, rtol {r.Rtol:G2}");
        return CliConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("gradient flow", maxValue: 1);
                return ConservationRun.Flow(net, train, laws, duration, ode, null, new Progress<double>(f => task.Value = f), cancel);
            });
    }

    private static (Model<double> Model, Dataset Train) Load(Request r)
    {
        Dataset train = r.Data.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) ? NpzDataset.Load(r.Data) : Datasets.Load(r.Data, r.DataDir).Train;
        if (r.Subset is int n)
        {
            if (n < 1) throw new ArgumentException($"--subset must be positive, got {n}");
            train = train.Subset(Enumerable.Range(0, Math.Min(n, train.Count)));
        }
        Model<double> net;
        if (File.Exists(r.Model)) net = ModelArguments.LoadFile<double>(r.Model, r.Arch);
        else if (ModelCatalog.Names.Contains(r.Model))
        {
            var fitted = ModelCatalog.Create(r.Model, train.SampleShape, train.Classes, r.Width, Activation.Parse(r.Activation));
            net = Model<double>.Initialize(fitted.Graph, new Rng(r.Seed));
            return (net, train.WithSampleShape(fitted.InputShape));
        }
        else throw new FileNotFoundException($"{r.Model}: no such model file, and not an architecture name ({string.Join(", ", ModelCatalog.Names)})");
        var input = net.Graph.Inputs[0].Shape;
        if (Shapes.Size(input) == Shapes.Size(train.SampleShape)) train = train.WithSampleShape(input);
        return (net, train);
    }

    private static (Optimizer<double>, (double, double)?) Optimizer(Request r) => r.Optimizer switch
    {
        "sgd" => (new Sgd<double>(0, false, r.WeightDecay), (0, r.WeightDecay)),
        "momentum" => (new Sgd<double>(r.Momentum, false, r.WeightDecay), (r.Momentum, r.WeightDecay)),
        "nesterov" => (new Sgd<double>(r.Momentum, true, r.WeightDecay), null),
        "adam" => (new Adam<double>(weightDecay: r.WeightDecay, decoupledWeightDecay: false), null),
        "adamw" => (new Adam<double>(weightDecay: r.WeightDecay, decoupledWeightDecay: true), null),
        _ => throw new ArgumentException($"--optimizer must be sgd, momentum, nesterov, adam or adamw, got '{r.Optimizer}'"),
    };

    private static object Summary(Request r, double lr, ConservationReport report, IReadOnlyList<string> files) => new
    {
        model = r.Model, data = r.Data, optimizer = r.Flow ? "flow" : r.Optimizer, lr, weight_decay = r.WeightDecay, steps = report.Steps, time_axis = report.TimeLabel, cancelled = report.Cancelled,
        initial_loss = report.InitialLoss, final_loss = report.FinalLoss, quantities = report.Laws.Count,
        families = report.Drifts.Select((d, i) => new
        {
            family = d.Family, kind = LawFamily.KindLabel(d.Kind), count = d.Count, max_abs_drift = d.MaxAbsDrift, max_rel_drift = d.MaxRelDrift,
            initial_loss = d.InitialLoss, final_loss = d.FinalLoss, exact = d.Exact, closed_form_error = report.ClosedFormErrors?[i],
        }),
        by_kind = report.DriftsByKind.Select(d => new { kind = d.Family, count = d.Count, max_abs_drift = d.MaxAbsDrift, max_rel_drift = d.MaxRelDrift, exact = d.Exact }),
        notes = report.Laws.Notes, files,
    };

    private static void Print(ConservationReport report, IReadOnlyList<string> files)
    {
        var table = new Table().AddColumns("family", "kind", "count", "max |ΔQ|", "max |ΔQ| / scale", report.ClosedFormErrors is null ? "" : "vs closed form");
        var drifts = report.Drifts;
        for (int i = 0; i < drifts.Count; i++)
        {
            var d = drifts[i];
            table.AddRow(TerminalText.Markup(d.Family), LawFamily.KindLabel(d.Kind) + (d.Exact ? "" : " (ε > 0)"), d.Count.ToString("N0"),
                d.MaxAbsDrift.ToString("E2", CultureInfo.InvariantCulture), d.MaxRelDrift.ToString("E2", CultureInfo.InvariantCulture),
                report.ClosedFormErrors is { } c ? c[i].ToString("E2", CultureInfo.InvariantCulture) : "");
        }
        if (drifts.Count == 0) AnsiConsole.MarkupLine("[yellow]This model has no continuous symmetry that training conserves: the table is empty.[/]");
        AnsiConsole.Write(table);
        foreach (var n in report.Laws.Notes) AnsiConsole.MarkupLine($"[grey]note: {TerminalText.Markup(n)}[/]");
        AnsiConsole.MarkupLine($"loss {report.InitialLoss:F4} → {report.FinalLoss:F4} after {report.Steps} {(report.TimeLabel == "step" ? "" : "accepted integrator ")}steps{(report.Cancelled ? " [yellow](cancelled)[/]" : "")}");
        foreach (var f in files) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(f)}");
    }

    private sealed class StepProgress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.Increment(1);
            task.Description = $"step {(long)task.Value} loss {p.Loss:F3}";
        }
    }
}
