namespace Noether.Alignment.Provenance;

/// <summary>
/// Permutation-test p-values and their combination across layers: Fisher's method (assumes independent layers) and
/// the harmonic mean p (Wilson 2019; robust to dependence between layers).
/// </summary>
public static class PValues
{
    /// <summary>
    /// The permutation-test p-value (count + 1)/(T + 1), where <paramref name="atLeast"/> of <paramref name="permutations"/>
    /// permuted statistics were at least the observed one. Never below the floor 1/(T + 1).
    /// </summary>
    public static double Permutation(int atLeast, int permutations)
    {
        if (permutations < 1) throw new ArgumentOutOfRangeException(nameof(permutations), $"a permutation test needs at least one permutation, got {permutations}");
        if (atLeast < 0 || atLeast > permutations)
            throw new ArgumentOutOfRangeException(nameof(atLeast), $"count {atLeast} must lie in [0, {permutations}]");
        return (atLeast + 1.0) / (permutations + 1.0);
    }

    /// <summary>The smallest p-value a test with <paramref name="permutations"/> permutations can give, 1/(T + 1).</summary>
    public static double Floor(int permutations) => 1.0 / (permutations + 1.0);

    /// <summary>
    /// Fisher's method: X = −2 Σ ln pᵢ is χ² with 2k degrees of freedom under independent null layers; returns
    /// P(χ²₂ₖ ≥ X) = e^{−X/2} Σ_{j&lt;k} (X/2)^j / j!, summed in log space so that tiny values do not underflow early.
    /// </summary>
    public static double Fisher(IReadOnlyList<double> p) => Math.Exp(FisherLog(p));

    /// <summary>The natural logarithm of <see cref="Fisher"/> (finite where the p-value itself underflows).</summary>
    public static double FisherLog(IReadOnlyList<double> p)
    {
        Validate(p);
        double half = 0;
        foreach (var v in p) half -= Math.Log(v);
        if (half == 0) return 0;
        // log Σ_{j<k} h^j/j! by log-sum-exp over the terms.
        var terms = new double[p.Count];
        double logTerm = 0, max = double.NegativeInfinity;
        for (int j = 0; j < p.Count; j++)
        {
            if (j > 0) logTerm += Math.Log(half) - Math.Log(j);
            terms[j] = logTerm;
            max = Math.Max(max, logTerm);
        }
        double sum = 0;
        foreach (var t in terms) sum += Math.Exp(t - max);
        return Math.Min(0, -half + max + Math.Log(sum));
    }

    /// <summary>The (unweighted) harmonic mean of the p-values, k / Σ 1/pᵢ.</summary>
    public static double HarmonicMean(IReadOnlyList<double> p)
    {
        Validate(p);
        double s = 0;
        foreach (var v in p) s += 1 / v;
        return p.Count / s;
    }

    private static void Validate(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Count == 0) throw new ArgumentException("no p-values to combine");
        for (int i = 0; i < p.Count; i++)
            if (!(p[i] > 0 && p[i] <= 1)) throw new ArgumentException($"p-value {i} is {p[i]}, outside (0, 1]");
    }
}
