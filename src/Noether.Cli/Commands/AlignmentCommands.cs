using System.CommandLine;
using System.Globalization;
using Noether.Alignment.Matching;
using Noether.Alignment.Merging;
using Noether.Nn;
using Noether.Nn.Training;
using Noether.Plots;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>align</c>, <c>merge</c>, <c>barrier</c>: models moved into one another's basis, merged, and compared along the path.</summary>
internal static class AlignmentCommands
{
    private static Option<string?> DataOption(string what) => new("--data") { Description = $"{what}: digits, fashion-mnist, or an .npz file with x [N, …] and y [N]." };
    private static Option<string?> DataDirOption() => new("--data-dir") { Description = "Directory of the Fashion-MNIST IDX files." };

    public static Command Align()
    {
        var a = new Argument<string>("a") { Description = "Reference model (its basis is kept)." };
        var b = new Argument<string>("b") { Description = "Model to move into A's basis (its function is kept)." };
        var method = new Option<string>("--method") { Description = "weight or activation.", DefaultValueFactory = _ => "weight" }.OneOf("weight", "activation");
        var scales = new Option<string>("--scales") { Description = "match-a (units get the norms of A's partners) or nearest (least distance to A).", DefaultValueFactory = _ => "match-a" }.OneOf("match-a", "nearest");
        var data = DataOption("Data for activation matching"); var dataDir = DataDirOption();
        var output = new Option<string>("--out") { Description = "Where to write aligned B (same format as B).", Required = true };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("align", "Move B along its symmetry orbit into A's basis: same function, weights as close to A as matching gets them.") { a, b, method, scales, data, dataDir, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!, outPath = parse.GetValue(output)!;
            OutputFiles.CheckModel(outPath, parse.GetValue(overwrite), pa, pb);
            var (ma, _) = ModelArguments.Load(pa, parse.GetValue(arch));
            var (mb, precision) = ModelArguments.Load(pb, parse.GetValue(arch));
            var options = new AlignmentOptions
            {
                Scales = parse.GetValue(scales) switch
                {
                    "match-a" => ScalePolicy.MatchA,
                    "nearest" => ScalePolicy.NearestToA,
                    var s => throw new ArgumentException($"--scales must be match-a or nearest, got '{s}'"),
                },
            };
            var result = parse.GetValue(method) switch
            {
                "weight" => WeightMatching.Align(ma, mb, options: options, cancel: cancel),
                "activation" => ActivationMatching.Align(ma, mb, DataArguments.Fit(DataArguments.Load(parse.GetValue(data)
                    ?? throw new ArgumentException("--method activation needs --data"), parse.GetValue(dataDir)).Train, ma.Graph), options: options, cancel: cancel),
                var m => throw new ArgumentException($"--method must be weight or activation, got '{m}'"),
            };
            cancel.ThrowIfCancellationRequested();
            ModelArguments.Save(result.Aligned, outPath, precision, new Dictionary<string, string> { ["noether.aligned_to"] = Path.GetFileName(pa), ["noether.aligned_from"] = Path.GetFileName(pb) }, pb, pa);
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    a = pa, b = pb, output = outPath, method = parse.GetValue(method), sweeps = result.Sweeps,
                    distance_before = result.DistanceBefore, distance_after = result.DistanceAfter, max_relative_output_change = result.Check.MaxRelDiff,
                    factors = result.Factors.Select(f => new { factor = f.Factor, method = f.Method, channels = f.Channels, moved = f.Moved }),
                });
            else
            {
                var table = new Table().AddColumns("factor", "method", "channels", "moved");
                foreach (var f in result.Factors) table.AddRow(TerminalText.Markup(f.Factor), TerminalText.Markup(f.Method), f.Channels.ToString(), f.Moved.ToString());
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"‖θ_A − θ_B‖ {result.DistanceBefore:G5} → {result.DistanceAfter:G5} after {result.Sweeps} sweeps; same function (relative output change {result.Check.MaxRelDiff:E1}); wrote {TerminalText.Markup(outPath)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    public static Command Merge()
    {
        var models = new Argument<string[]>("models") { Description = "Two or more models of one architecture.", Arity = new ArgumentArity(2, 64) };
        var alpha = new Option<double>("--alpha") { Description = "λ for two models: (1 − λ)·A + λ·B.", DefaultValueFactory = _ => 0.5 }.Finite();
        var align = new Option<bool>("--align") { Description = "Align B to A by weight matching first (more than two models are always aligned: MergeMany)." };
        var naive = new Option<bool>("--naive") { Description = "Plain average of the models as they are, no alignment (the baseline MergeMany beats)." };
        var repair = new Option<bool>("--repair") { Description = "REPAIR the merge (or reset BatchNorm statistics) on --data." };
        var data = DataOption("Data for --repair"); var dataDir = DataDirOption();
        var output = new Option<string>("--out") { Description = "Where to write the merged model.", Required = true };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("merge", "Merge models: interpolate two (optionally aligned first), or MergeMany for more.") { models, alpha, align, naive, repair, data, dataDir, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            var paths = parse.GetValue(models)!;
            string outPath = parse.GetValue(output)!;
            OutputFiles.CheckModel(outPath, parse.GetValue(overwrite), paths);
            var loaded = paths.Select(p => ModelArguments.Load(p, parse.GetValue(arch))).ToArray();
            var ms = loaded.Select(l => l.Model).ToArray();
            foreach (var (m, i) in ms.Select((m, i) => (m, i)).Skip(1)) ArchitectureCheck.RequireSame(ms[0], m, paths[0], paths[i]);
            double lambda = parse.GetValue(alpha);
            var train = parse.GetValue(repair)
                ? DataArguments.Fit(DataArguments.Load(parse.GetValue(data) ?? throw new ArgumentException("--repair needs --data"), parse.GetValue(dataDir)).Train, ms[0].Graph)
                : null;
            if (train is not null && train.Count > 4096) train = train.Subset(Enumerable.Range(0, 4096));
            Model<double> merged;
            if (parse.GetValue(naive))
            {
                merged = Interpolation.Average(ms);
                if (train is not null && BatchNormReset.Applies(merged.Graph)) merged = BatchNormReset.Reset(merged, train, cancel: cancel);
            }
            else if (ms.Length == 2)
            {
                var b = parse.GetValue(align) ? WeightMatching.Align(ms[0], ms[1], cancel: cancel).Aligned : ms[1];
                merged = train is not null ? Repair.Interpolate(ms[0], b, lambda, train, cancel: cancel) : Interpolation.Lerp(ms[0], b, lambda);
            }
            else
            {
                merged = MergeMany.Merge(ms, cancel: cancel).Merged;
                if (train is not null && BatchNormReset.Applies(merged.Graph)) merged = BatchNormReset.Reset(merged, train, cancel: cancel);
            }
            cancel.ThrowIfCancellationRequested();
            ModelArguments.Save(merged, outPath, loaded[0].Precision, new Dictionary<string, string> { ["noether.merged_from"] = string.Join(",", paths.Select(Path.GetFileName)) }, paths);
            if (parse.GetValue(json)) CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { models = paths, output = outPath, alpha = ms.Length == 2 ? lambda : (double?)null, aligned = !parse.GetValue(naive) && (ms.Length > 2 || parse.GetValue(align)), repaired = train is not null });
            else AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(outPath)}: {(ms.Length == 2 ? $"λ = {lambda}" : $"MergeMany of {ms.Length} models")}{(train is not null ? ", repaired" : "")}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    public static Command Barrier()
    {
        var a = new Argument<string>("a") { Description = "First model." };
        var b = new Argument<string>("b") { Description = "Second model." };
        var data = DataOption("Evaluation data (the test split of a built-in set)"); data.Required = true;
        var dataDir = DataDirOption();
        var points = new Option<int>("--points") { Description = "Points on the path.", DefaultValueFactory = _ => 25 }.AtLeast(2);
        var align = new Option<string>("--align") { Description = "none, weight or activation: align B to A first.", DefaultValueFactory = _ => "none" }.OneOf("none", "weight", "activation");
        var repair = new Option<bool>("--repair") { Description = "REPAIR interior points." };
        var noReset = new Option<bool>("--no-reset") { Description = "Keep interpolated BatchNorm statistics instead of recomputing them at every point." };
        var resetSamples = new Option<int>("--reset-samples") { Description = "Training samples used to recompute BatchNorm statistics, REPAIR and activation matching.", DefaultValueFactory = _ => 4096 }.AtLeast(2);
        var compare = new Option<bool>("--compare") { Description = "With --align: also evaluate the path before alignment, in the same table, JSON and plots." };
        var output = new Option<string?>("--out") { Description = "Directory for barrier.csv and the plot (SVG, PNG, CSV)." };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("barrier", "Loss and accuracy along the straight line between two models, and the barrier.") { a, b, data, dataDir, points, align, repair, noReset, resetSamples, compare, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!;
            var targets = parse.GetValue(output) is { } outDir ? OutputFiles.CheckFolder(outDir, BarrierFiles, parse.GetValue(overwrite), pa, pb) : [];
            var (ma, _) = ModelArguments.Load(pa, parse.GetValue(arch));
            var (mb, _) = ModelArguments.Load(pb, parse.GetValue(arch));
            ArchitectureCheck.RequireSame(ma, mb, pa, pb);
            var (train, test) = DataArguments.Load(parse.GetValue(data)!, parse.GetValue(dataDir));
            train = DataArguments.Fit(train, ma.Graph); test = DataArguments.Fit(test, ma.Graph);
            int samples = parse.GetValue(resetSamples);
            if (samples < 2) throw new ArgumentException($"--reset-samples must be at least 2, got {samples}");
            if (train.Count > samples) train = train.Subset(Enumerable.Range(0, samples));
            var original = mb;
            mb = parse.GetValue(align) switch
            {
                "none" => mb,
                "weight" => WeightMatching.Align(ma, mb, cancel: cancel).Aligned,
                "activation" => ActivationMatching.Align(ma, mb, train, cancel: cancel).Aligned,
                var s => throw new ArgumentException($"--align must be none, weight or activation, got '{s}'"),
            };
            int n = parse.GetValue(points);
            LinearPath path;
            bool reset = !parse.GetValue(noReset);
            if (parse.GetValue(json)) path = LinearPath.Evaluate(ma, mb, test, n, reset, parse.GetValue(repair), train, cancel: cancel);
            else path = CliConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("path", maxValue: n);
                return LinearPath.Evaluate(ma, mb, test, n, reset, parse.GetValue(repair), train, new Progress<int>(i => task.Value = i), cancel);
            });
            LinearPath? before = parse.GetValue(compare) && parse.GetValue(align) != "none"
                ? LinearPath.Evaluate(ma, original, test, n, reset, parse.GetValue(repair), train, cancel: cancel) : null;
            cancel.ThrowIfCancellationRequested();
            var files = parse.GetValue(output) is { } dir ? OutputFiles.Batch(targets, () => Write(path, before, parse.GetValue(align)!, dir)) : [];
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    a = pa, b = pb, align = parse.GetValue(align), batchnorm_reset = reset, barrier_loss = path.LossBarrier, barrier_acc = path.AccuracyBarrier,
                    midpoint = new { lambda = path.Midpoint.Lambda, loss = path.Midpoint.Loss, accuracy = path.Midpoint.Accuracy },
                    curve = path.Points.Select(p => new { lambda = p.Lambda, loss = p.Loss, accuracy = p.Accuracy }),
                    before = before is null ? null : new
                    {
                        barrier_loss = before.LossBarrier, barrier_acc = before.AccuracyBarrier,
                        curve = before.Points.Select(p => new { lambda = p.Lambda, loss = p.Loss, accuracy = p.Accuracy }),
                    },
                    files,
                });
            else
            {
                var table = new Table().AddColumns("λ", "loss", "accuracy");
                foreach (var p in path.Points) table.AddRow(p.Lambda.ToString("F3"), p.Loss.ToString("F4"), p.Accuracy.ToString("P2"));
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"loss barrier [bold]{path.LossBarrier:F4}[/], accuracy barrier [bold]{path.AccuracyBarrier:P2}[/]"
                    + (before is null ? "" : $" (before alignment {before.LossBarrier:F4}, {before.AccuracyBarrier:P2})"));
                foreach (var f in files) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(f)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static readonly string[] BarrierFiles =
        ["barrier.csv", "barrier_loss.svg", "barrier_loss.png", "barrier_loss.csv", "barrier_accuracy.svg", "barrier_accuracy.png", "barrier_accuracy.csv"];

    private static IReadOnlyList<string> Write(LinearPath path, LinearPath? before, string align, string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        string Row(PathPoint p) => $"{p.Lambda.ToString("R", inv)},{p.Loss.ToString("R", inv)},{p.Accuracy.ToString("R", inv)}";
        var csv = "lambda,loss,accuracy" + (before is null ? "" : ",loss_before_alignment,accuracy_before_alignment") + "\n"
            + string.Concat(path.Points.Select((p, i) => Row(p) + (before is null ? "" : $",{before.Points[i].Loss.ToString("R", inv)},{before.Points[i].Accuracy.ToString("R", inv)}") + "\n"));
        var csvPath = Path.Combine(directory, "barrier.csv");
        AtomicText.Write(csvPath, csv);
        var lambdas = path.Points.Select(p => p.Lambda).ToArray();
        string label = align == "none" ? "as given" : $"{align} matching";
        Series[] Curves(Func<PathPoint, double> y) => before is null
            ? [new Series(label, lambdas, path.Points.Select(y).ToArray())]
            : [new Series("before alignment", lambdas, before.Points.Select(y).ToArray()), new Series($"after {label}", lambdas, path.Points.Select(y).ToArray())];
        var loss = PlotFiles.Write(new LinePlot("Loss along the linear path", "λ", "loss", Curves(p => p.Loss)), Path.Combine(directory, "barrier_loss"));
        var acc = PlotFiles.Write(new LinePlot("Accuracy along the linear path", "λ", "accuracy", Curves(p => p.Accuracy)), Path.Combine(directory, "barrier_accuracy"));
        return [csvPath, loss.Svg, loss.Png, loss.Csv, acc.Svg, acc.Png, acc.Csv];
    }
}
