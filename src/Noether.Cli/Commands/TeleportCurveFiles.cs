using System.Globalization;
using System.Text;
using Noether.Plots;
using Noether.Symmetry.Teleportation;

namespace Noether.Cli.Commands;

/// <summary>The files of <c>noether teleport --out DIR</c>: one CSV of curves and one loss plot per seed, and a summary CSV.</summary>
internal static class TeleportCurveFiles
{
    /// <summary>Every file <see cref="Write"/> writes for seeds 0 … <paramref name="seeds"/> − 1.</summary>
    public static IEnumerable<string> Names(int seeds) => Enumerable.Range(0, seeds)
        .SelectMany(s => new[] { $"seed_{s}.csv", $"loss_seed_{s}.svg", $"loss_seed_{s}.png", $"loss_seed_{s}.csv" }).Append("summary.csv");

    /// <summary>Writes <c>seed_S.csv</c> (epoch, loss and ‖∇L‖ with and without the teleport) per run and <c>summary.csv</c>; returns the paths.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<TeleportExperimentRun> runs, IReadOnlyList<TeleportSeedSummary> summary)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var run in runs)
        {
            var csv = new StringBuilder("epoch,loss_gd,loss_teleport,grad_norm_gd,grad_norm_teleport\n");
            for (int e = 0; e < run.Plain.Loss.Count; e++)
                csv.Append(Invariant($"{e},{run.Plain.Loss[e]:R},{run.Teleported.Loss[e]:R},{run.Plain.GradNorm[e]:R},{run.Teleported.GradNorm[e]:R}\n"));
            string path = Path.Combine(directory, $"seed_{run.Seed}.csv");
            AtomicText.Write(path, csv.ToString());
            written.Add(path);
            written.AddRange(WritePlots(directory, run));
        }
        var table = new StringBuilder("seed,loss_before,loss_after,relative_loss_change,grad_norm_before,grad_norm_after,teleport_steps,final_loss_gd,final_loss_teleport,below_gd_after_teleport,diverged_at\n");
        foreach (var s in summary)
            table.Append(Invariant($"{s.Seed},{s.LossBefore:R},{s.LossAfter:R},{s.RelativeLossChange:R},{s.GradNormBefore:R},{s.GradNormAfter:R},{s.TeleportSteps},{s.FinalLossGd:R},{s.FinalLossTeleport:R},{(s.BelowGdAfterTeleport ? "true" : "false")},{s.DivergedAt}\n"));
        string summaryPath = Path.Combine(directory, "summary.csv");
        AtomicText.Write(summaryPath, table.ToString());
        written.Add(summaryPath);
        return written;
    }

    /// <summary>The loss curves of one seed with and without the teleport (log scale), as SVG, PNG and CSV.</summary>
    private static IEnumerable<string> WritePlots(string directory, TeleportExperimentRun run)
    {
        var epochs = Enumerable.Range(0, run.Plain.Loss.Count).Select(e => (double)e).ToArray();
        var plot = new LinePlot($"Teleportation, seed {run.Seed}", "epoch", "loss",
            [new Series("GD", epochs, run.Plain.Loss.ToArray()), new Series("GD + teleport", epochs, run.Teleported.Loss.ToArray())]) { LogY = true };
        var p = PlotFiles.Write(plot, Path.Combine(directory, $"loss_seed_{run.Seed}"));
        return [p.Svg, p.Png, p.Csv];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
