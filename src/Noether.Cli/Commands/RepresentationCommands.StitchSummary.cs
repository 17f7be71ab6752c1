using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Noether.Alignment.Stitching;
using Noether.Plots;
using Spectre.Console;

namespace Noether.Cli.Commands;

internal static partial class RepresentationCommands
{
    private static readonly string[] SummaryFiles = ["stitch_penalty.csv", "stitch_penalty.md", "stitch_penalty_plot.svg", "stitch_penalty_plot.png", "stitch_penalty_plot.csv"];

    /// <summary><c>stitch-summary</c>: per-layer mean ± sd penalties over the <c>noether stitch --json</c> records of many pairs.</summary>
    public static Command StitchSummary()
    {
        var files = new Argument<string[]>("results") { Description = "JSON outputs of noether stitch --json (one per pair and layer).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Directory for stitch_penalty.csv, .md and the plot (SVG, PNG, CSV).", Required = true };
        var json = CliOutput.JsonOption(); var overwrite = OutputFiles.OverwriteOption();
        var cmd = new Command("stitch-summary", "Table and plot of stitching penalties per layer and class: mean ± sd over model pairs.") { files, output, overwrite, json };
        cmd.SetAction((parse, cancel) =>
        {
            var inputs = parse.GetValue(files)!;
            string dir = parse.GetValue(output)!;
            var targets = OutputFiles.CheckFolder(dir, SummaryFiles, parse.GetValue(overwrite), inputs);
            var rows = StitchPenaltyTable.Summarise(inputs.SelectMany(ReadStitchRecords));
            var written = OutputFiles.Batch(targets, () => WriteSummary(rows, dir));
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    rows = rows.Select(r => new { layer = r.Layer, @class = r.Class, pairs = r.Count, mean = r.Mean, sd = Nullable(r.StandardDeviation) }),
                    files = written,
                });
            else
            {
                AnsiConsole.Write(new Text(Markdown(rows)));
                foreach (var f in written) AnsiConsole.MarkupLine($"wrote {TerminalText.Markup(f)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>(layer, class, penalty) of one stitch --json file; a file of another shape gets a one-line error naming it.</summary>
    private static IEnumerable<(string, string, double)> ReadStitchRecords(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            string layer = doc.RootElement.GetProperty("layer").GetString()!;
            return doc.RootElement.GetProperty("results").EnumerateArray()
                .Select(r => (layer, r.GetProperty("class").GetString()!, r.GetProperty("penalty").GetDouble())).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a noether stitch --json result ({e.Message.Split('\n')[0]})");
        }
    }

    private static string Pt(double v) => double.IsNaN(v) ? "–" : (100 * v).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>Markdown: one row per layer, one column per class, cells "mean ± sd" in accuracy points.</summary>
    private static string Markdown(IReadOnlyList<StitchPenaltyRow> rows)
    {
        var layers = rows.Select(r => r.Layer).Distinct().ToArray();
        var classes = rows.Select(r => r.Class).Distinct().ToArray();
        var sb = new StringBuilder($"| layer (pairs) | {string.Join(" | ", classes)} |\n|---|{string.Concat(classes.Select(_ => "---|"))}\n");
        foreach (var l in layers)
        {
            var cells = classes.Select(c => rows.FirstOrDefault(r => r.Layer == l && r.Class == c) is { } r ? $"{Pt(r.Mean)} ± {Pt(r.StandardDeviation)}" : "");
            sb.Append($"| {l} ({rows.Where(r => r.Layer == l).Max(r => r.Count)}) | {string.Join(" | ", cells)} |\n");
        }
        return sb.Append("\nStitching penalty in accuracy points (mean ± sd over model pairs): mean accuracy of A and B − stitched accuracy.\n").ToString();
    }

    private static IReadOnlyList<string> WriteSummary(IReadOnlyList<StitchPenaltyRow> rows, string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var csv = "layer,class,pairs,mean_penalty,sd_penalty\n" + string.Concat(rows.Select(r =>
            $"{r.Layer},{r.Class},{r.Count},{r.Mean.ToString("R", inv)},{(double.IsNaN(r.StandardDeviation) ? "" : r.StandardDeviation.ToString("R", inv))}\n"));
        var csvPath = Path.GetFullPath(Path.Combine(directory, "stitch_penalty.csv"));
        AtomicText.Write(csvPath, csv);
        var mdPath = Path.GetFullPath(Path.Combine(directory, "stitch_penalty.md"));
        AtomicText.Write(mdPath, Markdown(rows));
        var layers = rows.Select(r => r.Layer).Distinct().ToList();
        var series = rows.GroupBy(r => r.Class).Select(g => new Series(g.Key,
            g.Select(r => (double)layers.IndexOf(r.Layer)).ToArray(), g.Select(r => 100 * r.Mean).ToArray())).ToArray();
        var plot = new LinePlot($"Stitching penalty by layer ({string.Join(", ", layers.Select((l, i) => $"{i} = {l}"))})",
            "layer (index)", "mean penalty (accuracy points)", series);
        var paths = PlotFiles.Write(plot, Path.Combine(directory, "stitch_penalty_plot"));
        return [csvPath, mdPath, paths.Svg, paths.Png, paths.Csv];
    }
}
