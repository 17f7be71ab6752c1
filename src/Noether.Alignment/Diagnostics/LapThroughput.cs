using System.Diagnostics;
using System.Numerics;
using Noether.Alignment.Internal;
using Noether.Tensors;

namespace Noether.Alignment.Diagnostics;

/// <summary>One timed linear assignment.</summary>
/// <param name="Size">n for an n × n cost matrix.</param>
/// <param name="Solver">"jonker-volgenant" (Noether's solver) or "crouse-baseline" (a scalar port of scipy's algorithm).</param>
/// <param name="ElementType">Element type of the cost matrix (Double or Single).</param>
/// <param name="Seconds">Wall time of the fastest of the timed solves (validation and conversion included).</param>
/// <param name="Cost">The optimal total cost found.</param>
/// <param name="Augmentations">Shortest-path searches after the reductions (0 for the baseline: not counted).</param>
/// <param name="Scans">Dijkstra steps (rows scanned) over all searches (0 for the baseline).</param>
public sealed record LapMeasurement(int Size, string Solver, string ElementType, double Seconds, double Cost, int Augmentations, long Scans);

/// <summary>
/// Times the assignment solver on seeded uniform [0, 1) cost matrices, and a baseline in the same process: a scalar
/// port of the algorithm behind scipy.optimize.linear_sum_assignment (shortest augmenting paths from zero potentials).
/// </summary>
public static class LapThroughput
{
    /// <summary>The n × n benchmark matrix: uniform [0, 1) from <see cref="Rng"/> with the given seed, row-major.</summary>
    public static Tensor<T> Costs<T>(int n, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"n must be positive, got {n}");
        return Tensor<T>.RandomUniform(new Rng(seed), T.Zero, T.One, n, n);
    }

    /// <summary>Times <see cref="LinearAssignment.Solve{T}(ReadOnlySpan{T}, int, int, bool)"/>: the fastest of <paramref name="repeats"/> solves after a small warm-up.</summary>
    public static LapMeasurement Measure<T>(Tensor<T> costs, int repeats = 1, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = costs.Dim(0);
        WarmUp<T>();
        var data = costs.Contiguous();
        double best = double.PositiveInfinity;
        AssignmentCertificate? result = null;
        (int Augmentations, long Scans) work = default;
        for (int r = 0; r < Math.Max(1, repeats); r++)
        {
            cancel.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            result = LinearAssignment.SolveWithDuals<T>(data.Span, n, costs.Dim(1), false, Internal.ShortestAugmentingPath.DefaultReductionPasses, out work);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return new LapMeasurement(n, "jonker-volgenant", typeof(T).Name, best, result!.Assignment.Cost, work.Augmentations, work.Scans);
    }

    /// <summary>Times the scalar port of scipy's algorithm (double precision) on the same matrix.</summary>
    public static LapMeasurement Baseline<T>(Tensor<T> costs, int repeats = 1, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = costs.Dim(0), m = costs.Dim(1);
        var c = costs.Contiguous().Span.ToArray().Select(double.CreateTruncating).ToArray();
        CrouseReference.Solve(Costs<double>(64, 1).Span, 64, 64);
        double best = double.PositiveInfinity, cost = 0;
        for (int r = 0; r < Math.Max(1, repeats); r++)
        {
            cancel.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            var x = CrouseReference.Solve(c, n, m);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            cost = 0;
            for (int i = 0; i < n; i++) cost += c[i * m + x[i]];
        }
        return new LapMeasurement(n, "crouse-baseline", typeof(T).Name, best, cost, 0, 0);
    }

    private static void WarmUp<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < 3; k++) LinearAssignment.Solve<T>(Costs<T>(256, (ulong)k).Span, 256, 256);
    }
}
