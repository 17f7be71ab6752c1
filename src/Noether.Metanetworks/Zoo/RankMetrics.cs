namespace Noether.Metanetworks.Zoo;

/// <summary>Scores of a regression on a held-out set.</summary>
public static class RankMetrics
{
    /// <summary>Kendall's τ-b (ties in either variable accounted for); NaN when one side is constant.</summary>
    public static double KendallTau(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Kendall τ needs equal lengths, got {x.Count} and {y.Count}");
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (int i = 0; i < x.Count; i++)
            for (int j = i + 1; j < x.Count; j++)
            {
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                if (sx == 0 && sy == 0) continue;
                if (sx == 0) tiesX++;
                else if (sy == 0) tiesY++;
                else if (sx == sy) concordant++;
                else discordant++;
            }
        double denominator = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denominator == 0 ? double.NaN : (concordant - discordant) / denominator;
    }

    /// <summary>Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (can be negative).</summary>
    public static double R2(IReadOnlyList<double> predicted, IReadOnlyList<double> actual)
    {
        if (predicted.Count != actual.Count) throw new ArgumentException($"R² needs equal lengths, got {predicted.Count} and {actual.Count}");
        double mean = actual.Average(), res = 0, tot = 0;
        for (int i = 0; i < actual.Count; i++) { res += Math.Pow(actual[i] - predicted[i], 2); tot += Math.Pow(actual[i] - mean, 2); }
        return tot == 0 ? double.NaN : 1 - res / tot;
    }
}
