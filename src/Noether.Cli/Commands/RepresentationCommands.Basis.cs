using System.CommandLine;
using System.Globalization;
using Noether.Alignment.Basis;
using Noether.Plots;
using Spectre.Console;

namespace Noether.Cli.Commands;

internal static partial class RepresentationCommands
{
    private static readonly string[] BasisFiles = ["basis.csv", "basis_selectivity.svg", "basis_selectivity.png", "basis_selectivity.csv"];

    /// <summary><c>basis</c>: class selectivity of single units as a hidden layer is rotated by R^t, the function kept.</summary>
    public static Command Basis()
    {
        var model = new Argument<string>("model") { Description = "Trained classifier." };
        var layer = new Option<string>("--layer") { Description = "The hidden value to rotate (see noether similarity for the layers).", Required = true };
        var data = DataOption("Labelled data (the test split of a built-in set)"); var dataDir = DataDirOption();
        var steps = new Option<int>("--steps") { Description = "Powers t evenly spaced from 0 to 1.", DefaultValueFactory = _ => 11 }.AtLeast(2);
        var samples = new Option<int>("--samples") { Description = "Samples used (the first ones).", DefaultValueFactory = _ => 2000 }.AtLeast(1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random rotation generator.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string?>("--out") { Description = "Directory for basis.csv and the plot (SVG, PNG, CSV)." };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("basis", "Is the activation basis privileged? Rotate a hidden layer by R^t (next layers get R^-t) and track unit class selectivity.")
            { model, layer, data, dataDir, steps, samples, seed, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(model)!, cut = parse.GetValue(layer)!;
            var targets = parse.GetValue(output) is { } outDir ? OutputFiles.CheckFolder(outDir, BasisFiles, parse.GetValue(overwrite), path) : [];
            var (m, _) = ModelArguments.Load(path, parse.GetValue(arch));
            var (_, test) = DataArguments.Load(parse.GetValue(data)!, parse.GetValue(dataDir));
            test = DataArguments.Fit(test, m.Graph);
            var options = new BasisOptions { Steps = parse.GetValue(steps), MaxSamples = parse.GetValue(samples), Seed = parse.GetValue(seed), Name = path };
            var result = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage =>
            {
                stage($"rotating {cut}");
                return ActivationBasis.Run(m, cut, test, options, cancel);
            });
            cancel.ThrowIfCancellationRequested();
            var files = parse.GetValue(output) is { } dir ? OutputFiles.Batch(targets, () => WriteBasis(result, path, dir)) : [];
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    model = path, layer = result.Layer, channels = result.Channels, alive = result.Alive, samples = result.Samples,
                    steps = result.Steps.Select(s => new { t = s.T, selectivity = s.Selectivity, selectivity_sd = s.SelectivitySd, max_output_change = s.MaxOutputChange }),
                    files,
                });
            else
            {
                var t = new Table().AddColumns("t", "class selectivity (mean ± sd over units)", "max |output change|");
                foreach (var s in result.Steps)
                    t.AddRow(s.T.ToString("F2"), $"{s.Selectivity:F4} ± {s.SelectivitySd:F4}", s.MaxOutputChange.ToString("E1"));
                AnsiConsole.Write(t);
                AnsiConsole.MarkupLine($"{result.Alive} live units of {result.Channels} in {TerminalText.Markup(result.Layer)} rotated by R^t = exp(tA), the layers after it given R^-t; {result.Samples:N0} samples");
                foreach (var f in files) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(f)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static IReadOnlyList<string> WriteBasis(BasisResult result, string path, string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var csv = "t,selectivity,selectivity_sd,max_output_change\n" + string.Concat(result.Steps.Select(s =>
            $"{s.T.ToString("R", inv)},{s.Selectivity.ToString("R", inv)},{s.SelectivitySd.ToString("R", inv)},{s.MaxOutputChange.ToString("R", inv)}\n"));
        var csvPath = Path.GetFullPath(Path.Combine(directory, "basis.csv"));
        AtomicText.Write(csvPath, csv);
        var plot = new LinePlot($"Class selectivity of {result.Layer} under R^t: {Path.GetFileName(path)}", "t (rotation power)", "mean class selectivity index",
            [new Series("selectivity", result.Steps.Select(s => s.T).ToArray(), result.Steps.Select(s => s.Selectivity).ToArray())]);
        var paths = PlotFiles.Write(plot, Path.Combine(directory, "basis_selectivity"));
        return [csvPath, paths.Svg, paths.Png, paths.Csv];
    }
}
