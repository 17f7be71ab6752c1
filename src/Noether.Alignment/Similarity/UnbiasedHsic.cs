namespace Noether.Alignment.Similarity;

/// <summary>The unbiased HSIC estimator HSIC₁ of two n×n kernel matrices (Song et al. 2012), for n ≥ 4.</summary>
internal static class UnbiasedHsic
{
    /// <summary>
    /// [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − (2/(n−2))·1ᵀK̃L̃1] / (n(n−3)) with K̃, L̃ the kernels with zeroed diagonals.
    /// </summary>
    public static double Of(double[] k, double[] l, int n)
    {
        if (n < 4) throw new InvalidOperationException($"the unbiased HSIC needs at least 4 samples, got {n}");
        double trace = 0, sumK = 0, sumL = 0, cross = 0;
        for (int i = 0; i < n; i++)
        {
            double rowK = 0, rowL = 0;
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double a = k[i * n + j], b = l[i * n + j];
                trace += a * b; rowK += a; rowL += b;
            }
            sumK += rowK; sumL += rowL; cross += rowK * rowL;
        }
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 * cross / (n - 2.0)) / (n * (n - 3.0));
    }
}
