using Noether.Symmetry.Teleportation;

namespace Noether.Cli.Commands;

/// <summary>One row of the <c>noether teleport</c> summary.</summary>
internal sealed record TeleportSeedSummary(ulong Seed, double LossBefore, double LossAfter, double RelativeLossChange, double GradNormBefore, double GradNormAfter,
    int TeleportSteps, double FinalLossGd, double FinalLossTeleport, bool BelowGdAfterTeleport, int? DivergedAt)
{
    /// <summary>
    /// Summarises one run: "below" means every epoch after the teleport's own has a lower loss than plain GD; the
    /// final losses are the curves' last points; <see cref="DivergedAt"/> is the epoch either run diverged at.
    /// </summary>
    public static TeleportSeedSummary Of(TeleportExperimentRun run, int teleportAt)
    {
        bool below = true;
        for (int e = teleportAt + 1; e < run.Plain.Loss.Count; e++) below &= run.Teleported.Loss[e] < run.Plain.Loss[e];
        var t = run.Teleport;
        return new TeleportSeedSummary(run.Seed, t.LossBefore, t.LossAfter, t.RelativeLossChange, t.GradNormBefore, t.GradNormAfter, t.Steps.Count,
            run.Plain.Loss[^1], run.Teleported.Loss[^1], below, run.Teleported.DivergedAt ?? run.Plain.DivergedAt);
    }
}
