using System.Globalization;
using System.Text;
using Noether.Plots;
using Noether.Symmetry.Conservation;

namespace Noether.Cli.Commands;

/// <summary>The files <c>noether conserve</c> writes: a drift summary per family and the drift trajectory per kind of law.</summary>
internal static class ConservationFiles
{
    /// <summary>Every file <see cref="Write"/> may write.</summary>
    public static readonly string[] Names =
        ["families.csv", "trajectory.csv", "drift.svg", "drift.png", "drift.csv", "loss.svg", "loss.png", "loss.csv"];

    /// <summary>Writes <c>families.csv</c> (drift per family), <c>trajectory.csv</c> and the drift and loss plots (SVG, PNG, CSV) into <paramref name="directory"/> (atomically) and returns their paths.</summary>
    public static IReadOnlyList<string> Write(ConservationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var summary = new StringBuilder("family,kind,count,max_abs_drift,max_rel_drift,exact,closed_form_error\n");
        var drifts = report.Drifts;
        for (int i = 0; i < drifts.Count; i++)
        {
            var d = drifts[i];
            summary.AppendLine(string.Join(",", Csv(d.Family), LawFamily.KindLabel(d.Kind), d.Count.ToString(inv), d.MaxAbsDrift.ToString("R", inv),
                d.MaxRelDrift.ToString("R", inv), d.Exact ? "true" : "false", report.ClosedFormErrors?[i].ToString("R", inv) ?? ""));
        }
        var kinds = report.Laws.Families.Select(f => f.Kind).Distinct().ToArray();
        var series = kinds.Select(k => Enumerable.Range(0, report.Laws.Families.Count).Where(i => report.Laws.Families[i].Kind == k)
            .Select(i => report.Monitor.RelativeDriftSeries(i)).ToArray()).ToArray();
        var trajectory = new StringBuilder("time,loss" + string.Concat(kinds.Select(k => $",{LawFamily.KindLabel(k).Replace(' ', '_')}_max_rel_drift")) + "\n");
        for (int t = 0; t < report.Monitor.Records; t++)
            trajectory.AppendLine(string.Join(",", new[] { report.Monitor.Times[t].ToString("R", inv), report.Monitor.Losses[t].ToString("R", inv) }
                .Concat(series.Select(s => s.Max(f => f[t]).ToString("R", inv)))));
        var files = new List<string> { Text(Path.Combine(directory, "families.csv"), summary.ToString()), Text(Path.Combine(directory, "trajectory.csv"), trajectory.ToString()) };
        var times = report.Monitor.Times.ToArray();
        var drawn = kinds.Select((k, i) => new Series(LawFamily.KindLabel(k), times, Enumerable.Range(0, times.Length).Select(t => series[i].Max(f => f[t])).ToArray()))
            .Where(s => s.Y.Any(y => y > 0)).ToArray();
        if (drawn.Length > 0)
        {
            var plot = new LinePlot($"Drift of conserved quantities ({report.Laws.ModelName})", report.TimeLabel, "max |Q(t) − Q(0)| / scale", drawn) { LogY = true };
            var p = PlotFiles.Write(plot, Path.Combine(directory, "drift"));
            files.AddRange([p.Svg, p.Png, p.Csv]);
        }
        if (times.Length > 1)
        {
            var loss = new LinePlot($"Training loss ({report.Laws.ModelName})", report.TimeLabel, "loss", [new Series("loss", times, report.Monitor.Losses.ToArray())]);
            var p = PlotFiles.Write(loss, Path.Combine(directory, "loss"));
            files.AddRange([p.Svg, p.Png, p.Csv]);
        }
        return files;
    }

    private static string Text(string path, string text)
    {
        AtomicText.Write(path, text);
        return path;
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
