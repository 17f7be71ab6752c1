namespace Noether.Alignment.Similarity;

/// <summary>
/// The Procrustes distances of SPEC §1 share one form: for features normalised so that ‖H₁‖² and ‖H₂‖² are each the
/// number of live units k₁, k₂ (1 for Frobenius normalisation), d = √((k₁ + k₂ − 2·ρ)/(4·c)) with ρ the best inner
/// product the group allows and c the unit count (1 for Frobenius). The similarity is 1 − d ∈ [0, 1].
/// </summary>
internal static class ProcrustesScore
{
    public static double Similarity(double normA, double normB, double matched, double units) =>
        1 - Math.Sqrt(Math.Max(0, (normA + normB - 2 * matched) / (4 * units)));

    /// <summary>Sum of a trace-like square-root product, 0 when either is 0.</summary>
    public static double Scale(double a, double b) => a > 0 && b > 0 ? Math.Sqrt(a * b) : 0;
}
