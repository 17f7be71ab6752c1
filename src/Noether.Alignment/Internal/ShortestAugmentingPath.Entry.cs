namespace Noether.Alignment.Internal;

/// <summary>The solver's settings and entry point.</summary>
internal static class ShortestAugmentingPath
{
    /// <summary>
    /// Default passes of augmenting row reduction. Jonker–Volgenant use 2; on uniform random costs the shortest-path
    /// phase with its SIMD relaxation is faster than the row-by-row reduction (n = 2048: 156 123 reduction steps,
    /// 0.24 s, versus 31 476 scans, 0.13 s, in one session), so none by default; measured with <c>noether bench lap</c>.
    /// </summary>
    public const int DefaultReductionPasses = 0;

    /// <summary>Solves the n × m problem (n ≤ m, T float or double) held row-major in <paramref name="c"/>.</summary>
    public static LapSolution Solve<T>(ReadOnlySpan<T> c, int n, int m, int reductionPasses = DefaultReductionPasses) where T : unmanaged
        => ShortestAugmentingPath<T>.Solve(c, n, m, reductionPasses);
}
