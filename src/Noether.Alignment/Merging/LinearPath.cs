using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Training;

namespace Noether.Alignment.Merging;

/// <summary>Loss and accuracy at one point λ of the path between two models.</summary>
public readonly record struct PathPoint(double Lambda, double Loss, double Accuracy);

/// <summary>
/// The linear path (1 − λ)θ_A + λθ_B evaluated on data, and its barriers (SPEC §4): the loss barrier
/// max_λ L(λ) − ((1 − λ)L(0) + λL(1)), the accuracy barrier max_λ ((1 − λ)acc(0) + λ·acc(1)) − acc(λ).
/// </summary>
/// <param name="Points">The evaluated points, λ ascending from 0 to 1.</param>
public sealed record LinearPath(IReadOnlyList<PathPoint> Points)
{
    /// <summary>The loss barrier.</summary>
    public double LossBarrier => Points.Max(p => p.Loss - ((1 - p.Lambda) * Points[0].Loss + p.Lambda * Points[^1].Loss));

    /// <summary>The accuracy barrier.</summary>
    public double AccuracyBarrier => Points.Max(p => (1 - p.Lambda) * Points[0].Accuracy + p.Lambda * Points[^1].Accuracy - p.Accuracy);

    /// <summary>The point nearest λ = 0.5.</summary>
    public PathPoint Midpoint => Points.MinBy(p => Math.Abs(p.Lambda - 0.5));

    /// <summary>
    /// Evaluates <paramref name="points"/> equally spaced λ in [0, 1] (25 by default) on <paramref name="data"/>;
    /// BatchNorm statistics are recomputed at every point when <paramref name="resetBatchNorm"/> (on
    /// <paramref name="resetData"/>, default the same data), and REPAIR is applied when <paramref name="repair"/>.
    /// </summary>
    public static LinearPath Evaluate(Model<double> a, Model<double> b, Dataset data, int points = 25, bool resetBatchNorm = true, bool repair = false,
        Dataset? resetData = null, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        if (points < 2) throw new ArgumentException($"A path needs at least 2 points, got {points}");
        resetData ??= data;
        var result = new List<PathPoint>();
        for (int i = 0; i < points; i++)
        {
            cancel.ThrowIfCancellationRequested();
            double lambda = (double)i / (points - 1);
            var m = repair && i > 0 && i < points - 1 ? Repair.Interpolate(a, b, lambda, resetData, cancel: cancel) : Interpolation.Lerp(a, b, lambda);
            if (resetBatchNorm && BatchNormReset.Applies(m.Graph)) m = BatchNormReset.Reset(m, resetData, cancel: cancel);
            var e = Trainer.Evaluate(m, data, cancel: cancel);
            result.Add(new PathPoint(lambda, e.Loss, e.Accuracy));
            progress?.Report(i + 1);
        }
        return new LinearPath(result);
    }
}
