using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Alignment.Similarity;

/// <summary>
/// Linear CKA with the unbiased HSIC estimator (Song et al. 2012; SPEC §1):
/// HSIC₁(K, L) = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − (2/(n−2))·1ᵀK̃L̃1] / (n(n−3)), K̃ and L̃ the linear Gram matrices
/// with zero diagonals, CKA = HSIC₁(K, L)/√(HSIC₁(K, K)·HSIC₁(L, L)). Every term expands into feature-space sums
/// (XᵀY, column sums, Σ‖xᵢ‖²‖yᵢ‖², Σ‖xᵢ‖²·yᵢ, …), so the n×n Gram matrices are never formed and batches stream.
/// Near 0 for independent features where the biased CKA is not. Needs n ≥ 4 (the formula divides by n − 3); refuses fewer.
/// May be slightly negative; 0 when either representation has no estimated variance.
/// </summary>
public sealed class DebiasedCka : SimilarityMeasure
{
    internal DebiasedCka() { }

    /// <inheritdoc />
    public override string Name => "cka-debiased";

    /// <inheritdoc />
    public override string Invariance => "orthogonal maps, isotropic scaling, translation";

    /// <inheritdoc />
    public override int MinimumSamples => 4;

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State : SimilarityAccumulator
    {
        private readonly CrossMoments _m;
        private readonly double[] _ax, _by, _ay, _bx; // Σ‖xᵢ‖²xᵢ, Σ‖yᵢ‖²yᵢ, Σ‖xᵢ‖²yᵢ, Σ‖yᵢ‖²xᵢ
        private double _aa, _bb, _ab, _a, _b;          // Σ‖xᵢ‖⁴, Σ‖yᵢ‖⁴, Σ‖xᵢ‖²‖yᵢ‖², Σ‖xᵢ‖², Σ‖yᵢ‖²

        public State(DebiasedCka measure, int a, int b) : base(measure, a, b)
        {
            _m = new CrossMoments(a, b, fullSelf: true);
            _ax = new double[a]; _bx = new double[a];
            _by = new double[b]; _ay = new double[b];
        }

        protected override void AddRows(double[] x, double[] y, int rows)
        {
            _m.Add(x, y, rows); // shifts x and y in place; the estimator does not depend on the shift
            int ca = ChannelsA, cb = ChannelsB;
            for (int r = 0; r < rows; r++)
            {
                var xr = x.AsSpan(r * ca, ca);
                var yr = y.AsSpan(r * cb, cb);
                double na = TP.SumOfSquares<double>(xr), nb = TP.SumOfSquares<double>(yr);
                _a += na; _b += nb; _aa += na * na; _bb += nb * nb; _ab += na * nb;
                TP.MultiplyAdd(xr, na, _ax, _ax);
                TP.MultiplyAdd(xr, nb, _bx, _bx);
                TP.MultiplyAdd(yr, nb, _by, _by);
                TP.MultiplyAdd(yr, na, _ay, _ay);
            }
        }

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            double n = Rows;
            double kl = Hsic(n, _m.RawXy, _m.SumA, _m.SumB, _ab, _ay, _bx, _a, _b);
            double kk = Hsic(n, _m.RawXx, _m.SumA, _m.SumA, _aa, _ax, _ax, _a, _a);
            double ll = Hsic(n, _m.RawYy, _m.SumB, _m.SumB, _bb, _by, _by, _b, _b);
            return kk > 0 && ll > 0 ? kl / Math.Sqrt(kk * ll) : 0;
        }

        /// <summary>
        /// HSIC₁ of K = XXᵀ and L = YYᵀ from feature sums: m = XᵀY, s = Σxᵢ, t = Σyᵢ, ab = Σ‖xᵢ‖²‖yᵢ‖², ay = Σ‖xᵢ‖²yᵢ,
        /// bx = Σ‖yᵢ‖²xᵢ, a = Σ‖xᵢ‖², b = Σ‖yᵢ‖².
        /// </summary>
        private static double Hsic(double n, ReadOnlySpan<double> m, ReadOnlySpan<double> s, ReadOnlySpan<double> t, double ab,
            ReadOnlySpan<double> ay, ReadOnlySpan<double> bx, double a, double b)
        {
            int p = s.Length, q = t.Length;
            double traceKl = TP.SumOfSquares(m) - ab;                               // Σ_{i≠j} KᵢⱼLᵢⱼ
            double sumK = TP.SumOfSquares(s) - a, sumL = TP.SumOfSquares(t) - b;    // 1ᵀK̃1, 1ᵀL̃1
            double smt = 0;                                                         // sᵀ·m·t
            for (int i = 0; i < p; i++) smt += s[i] * TP.Dot(m.Slice(i * q, q), t);
            double kl1 = smt - TP.Dot(t, ay) - TP.Dot(s, bx) + ab;                  // 1ᵀK̃L̃1
            return (traceKl + sumK * sumL / ((n - 1) * (n - 2)) - 2 * kl1 / (n - 2)) / (n * (n - 3));
        }
    }
}
