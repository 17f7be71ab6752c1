using System.CommandLine;
using Noether.Alignment.Matching;
using Noether.Alignment.Similarity;
using Noether.Plots;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>similarity</c>, <c>stitch</c>, <c>basis</c>: comparing hidden representations of models (USERS.md §3).</summary>
internal static partial class RepresentationCommands
{
    private static Option<string?> DataOption(string what) => new("--data") { Description = $"{what}: digits, fashion-mnist, or an .npz file with x [N, …] and y [N].", Required = true };
    private static Option<string?> DataDirOption() => new("--data-dir") { Description = "Directory of the Fashion-MNIST IDX files." };

    /// <summary>Splits a comma-separated list, dropping blanks; null for no value.</summary>
    private static string[]? List(string? value) => value is null ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static Command Similarity()
    {
        var a = new Argument<string>("a") { Description = "First model (rows of the table)." };
        var b = new Argument<string>("b") { Description = "Second model (columns)." };
        var data = DataOption("Data whose hidden features are compared (the test split of a built-in set)"); var dataDir = DataDirOption();
        var measure = new Option<string?>("--measure") { Description = "cka, cka-debiased, procrustes, grelu-procrustes, grelu-cka or perm-procrustes; default: per layer, the measure matching its derived symmetry group." }
            .OneOf([.. SimilarityMeasure.All.Select(m => m.Name)]);
        var layers = new Option<string?>("--layers") { Description = "Comma-separated value names to compare (in both models; default: one per hidden space, the activation outputs)." };
        var samples = new Option<int>("--samples") { Description = "Samples of the data used (the first ones).", DefaultValueFactory = _ => 2048 }.AtLeast(1);
        var output = new Option<string?>("--out") { Description = "Directory for similarity.csv and the heat map (SVG, PNG, CSV)." };
        var arch = SymmetryCommands.ArchOption(); var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("similarity", "Similarity of every hidden layer of A with every hidden layer of B, under the layers' symmetry groups.")
            { a, b, data, dataDir, measure, layers, samples, output, overwrite, arch, json };
        cmd.SetAction((parse, cancel) =>
        {
            string pa = parse.GetValue(a)!, pb = parse.GetValue(b)!;
            var targets = parse.GetValue(output) is { } outDir ? OutputFiles.CheckFolder(outDir, SimilarityFiles, parse.GetValue(overwrite), pa, pb) : [];
            var (ma, _) = ModelArguments.Load(pa, parse.GetValue(arch));
            var (mb, _) = ModelArguments.Load(pb, parse.GetValue(arch));
            var (_, test) = DataArguments.Load(parse.GetValue(data)!, parse.GetValue(dataDir));
            test = DataArguments.Fit(test, ma.Graph);
            var names = List(parse.GetValue(layers));
            var options = new SimilarityOptions
            {
                Measure = parse.GetValue(measure) is { } m ? SimilarityMeasure.Parse(m) : null,
                LayersA = names, LayersB = names, MaxSamples = parse.GetValue(samples),
                NameA = pa, NameB = pb,
            };
            int n = Math.Min(test.Count, options.MaxSamples);
            var table = CliProgress.Run(CliProgress.Enabled(parse, parse.GetValue(json)), stage =>
            {
                var fraction = stage($"features of {n:N0} samples");
                return RepresentationSimilarity.Compare(ma, mb, test, options, fraction is null ? null : new Progress<int>(d => fraction.Report((double)d / n)), cancel);
            });
            cancel.ThrowIfCancellationRequested();
            var files = parse.GetValue(output) is { } dir ? OutputFiles.Batch(targets, () => WriteSimilarity(table, pa, pb, options.Measure, dir)) : [];
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    a = pa, b = pb, samples = table.Samples,
                    pairs = table.Entries.Select(e => new { layer_a = e.LayerA, layer_b = e.LayerB, measure = e.Measure, value = e.Value, pooled = e.Pooled }),
                    layers_a = table.LayersA.Select(LayerJson), layers_b = table.LayersB.Select(LayerJson),
                    files,
                });
            else
            {
                var t = new Table().AddColumn("A \\ B");
                foreach (var lb in table.LayersB) t.AddColumn(TerminalText.Markup(lb.Value));
                for (int i = 0; i < table.LayersA.Count; i++)
                    t.AddRow([TerminalText.Markup(table.LayersA[i].Value), .. Enumerable.Range(0, table.LayersB.Count).Select(j => Cell(table[i, j]))]);
                AnsiConsole.Write(t);
                var used = table.Entries.Select(e => e.Measure).Distinct().ToArray();
                AnsiConsole.MarkupLine($"{TerminalText.Markup(string.Join(", ", used))} on {table.Samples:N0} samples" + (options.Measure is null ? " (per layer, the measure matching A's derived group)" : "")
                    + (table.Entries.Any(e => e.Pooled) ? "; * = different spatial sizes, pixels averaged first" : ""));
                foreach (var f in files) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(f)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static string Cell(SimilarityEntry e) => e.Value.ToString("F4") + (e.Pooled ? "*" : "");

    private static object LayerJson(RepresentationLayer l) => new
    {
        layer = l.Value, shape = l.Shape, channels = l.Channels, group = l.Group?.Name, default_measure = l.DefaultMeasure.Name,
        why = l.Group is null ? "no derived group: linear CKA" : SimilarityMeasure.Why(l.Group),
    };

    private static readonly string[] SimilarityFiles = ["similarity.csv", "similarity_heatmap.svg", "similarity_heatmap.png", "similarity_heatmap.csv"];

    private static IReadOnlyList<string> WriteSimilarity(SimilarityTable table, string pa, string pb, SimilarityMeasure? measure, string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var csv = "layer_a,layer_b,measure,value,pooled\n" + string.Concat(table.Entries.Select(e => $"{e.LayerA},{e.LayerB},{e.Measure},{e.Value.ToString("R", inv)},{(e.Pooled ? 1 : 0)}\n"));
        var csvPath = Path.GetFullPath(Path.Combine(directory, "similarity.csv"));
        AtomicText.Write(csvPath, csv);
        var plot = new HeatmapPlot($"{measure?.Name ?? "similarity (default per layer)"}: {Path.GetFileName(pa)} vs {Path.GetFileName(pb)}",
            $"layer of {Path.GetFileName(pb)}", $"layer of {Path.GetFileName(pa)}",
            table.LayersA.Select(l => l.Value).ToArray(), table.LayersB.Select(l => l.Value).ToArray(), table.Entries.Select(e => e.Value).ToArray()) { Range = (0, 1) };
        var paths = PlotFiles.Write(plot, Path.Combine(directory, "similarity_heatmap"));
        return [csvPath, paths.Svg, paths.Png, paths.Csv];
    }
}
