using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>A Spearman rank correlation and its one-sided permutation-test p-value.</summary>
/// <param name="Rho">Spearman's ρ of the two vectors.</param>
/// <param name="PValue">(count + 1)/(T + 1), count = permuted ρ at least the observed one.</param>
/// <param name="Permutations">T.</param>
public sealed record RankCorrelation(double Rho, double PValue, int Permutations);

/// <summary>
/// Spearman's rank correlation with a permutation test for a positive association: the second vector is shuffled
/// <c>T</c> times with a seeded generator and the observed ρ is compared with the shuffled ones.
/// </summary>
public static class SpearmanTest
{
    /// <summary>Ranks 0..n−1 (ties share their mean rank).</summary>
    public static double[] Ranks(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = x.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && keys[j + 1] == keys[i]) j++;
            double mean = (i + j) / 2.0;
            for (int k = i; k <= j; k++) ranks[order[k]] = mean;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>Spearman's ρ: the Pearson correlation of the ranks (0 when either vector is constant).</summary>
    public static double Rho(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Check(x.Length, y.Length);
        var (rx, ry) = (Centred(Ranks(x)), Centred(Ranks(y)));
        return Pearson(rx, ry);
    }

    /// <summary>ρ and the permutation p-value with <paramref name="permutations"/> shuffles seeded by <paramref name="seed"/>.</summary>
    public static RankCorrelation Test(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int permutations, ulong seed)
    {
        Check(x.Length, y.Length);
        if (permutations < 1) throw new ArgumentOutOfRangeException(nameof(permutations), $"need at least one permutation, got {permutations}");
        var rx = Centred(Ranks(x));
        var ry = Centred(Ranks(y));
        double sx = Norm(rx), sy = Norm(ry);
        if (sx == 0 || sy == 0) return new RankCorrelation(0, 1, permutations);
        double observed = Dot(rx, ry) / (sx * sy);
        // Compare dot products (the norms do not change under shuffling), with a relative tolerance so that a shuffle
        // equal to the observed arrangement counts despite rounding.
        double threshold = Dot(rx, ry) - 1e-12 * sx * sy;
        var rng = new Rng(seed);
        var shuffled = (double[])ry.Clone();
        int atLeast = 0;
        for (int t = 0; t < permutations; t++)
        {
            rng.Shuffle(shuffled.AsSpan());
            if (Dot(rx, shuffled) >= threshold) atLeast++;
        }
        return new RankCorrelation(observed, PValues.Permutation(atLeast, permutations), permutations);
    }

    private static void Check(int nx, int ny)
    {
        if (nx != ny) throw new ArgumentException($"Spearman: vectors of lengths {nx} and {ny}");
        if (nx < 2) throw new ArgumentException($"Spearman: needs at least 2 pairs, got {nx}");
    }

    private static double[] Centred(double[] r)
    {
        double mean = r.Average();
        for (int i = 0; i < r.Length; i++) r[i] -= mean;
        return r;
    }

    private static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static double Pearson(double[] a, double[] b)
    {
        double s = Norm(a) * Norm(b);
        return s == 0 ? 0 : Dot(a, b) / s;
    }
}
