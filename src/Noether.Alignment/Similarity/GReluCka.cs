namespace Noether.Alignment.Similarity;

/// <summary>
/// G_ReLU-CKA (SPEC §1): CKA with the kernel K_ij = max over channels c of x̂_ic·x̂_jc, where x̂ is x with every channel
/// normalised to unit norm. The kernel is not a sum over features, so it is estimated block by block like minibatch CKA
/// (Nguyen et al. 2021): the row stream is cut into blocks of <see cref="BlockSize"/> rows whatever the caller's batches
/// are, each block gives unbiased HSIC₁ values (n ≥ 4), and CKA = ΣHSIC(K, L)/√(ΣHSIC(K, K)·ΣHSIC(L, L)), blocks weighted by
/// their rows. Only one block is held in memory. Invariant to channel permutations and per-channel scaling by any
/// non-zero factor (a flipped channel's products x̂_ic·x̂_jc do not change), so to P·D with D invertible, a group that
/// contains G_ReLU; not to rotations or translation.
/// </summary>
public sealed class GReluCka : SimilarityMeasure
{
    /// <summary>Creates the measure with blocks of <paramref name="blockSize"/> rows (at least 4).</summary>
    public GReluCka(int blockSize = 256)
    {
        if (blockSize < 4) throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "G_ReLU-CKA blocks need at least 4 rows");
        BlockSize = blockSize;
    }

    /// <summary>Rows per block of the estimate.</summary>
    public int BlockSize { get; }

    /// <inheritdoc />
    public override string Name => "grelu-cka";

    /// <inheritdoc />
    public override string Invariance => "P·D (channel permutations times non-zero per-channel scales)";

    /// <inheritdoc />
    public override int MinimumSamples => 4;

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State : SimilarityAccumulator
    {
        private readonly int _block;
        private readonly double[] _x, _y;
        private int _filled;
        private double _kl, _kk, _ll;

        public State(GReluCka measure, int a, int b) : base(measure, a, b)
        {
            _block = measure.BlockSize;
            _x = new double[_block * a];
            _y = new double[_block * b];
        }

        protected override void AddRows(double[] x, double[] y, int rows)
        {
            for (int r = 0; r < rows;)
            {
                int take = Math.Min(rows - r, _block - _filled);
                Array.Copy(x, r * ChannelsA, _x, _filled * ChannelsA, take * ChannelsA);
                Array.Copy(y, r * ChannelsB, _y, _filled * ChannelsB, take * ChannelsB);
                _filled += take; r += take;
                if (_filled == _block)
                {
                    var (kl, kk, ll) = Block(_x, _y, _block);
                    _kl += kl; _kk += kk; _ll += ll;
                    _filled = 0;
                }
            }
        }

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            double kl = _kl, kk = _kk, ll = _ll;
            if (_filled >= 4)
            {
                var (a, b, c) = Block(_x, _y, _filled);
                kl += a; kk += b; ll += c;
            }
            return kk > 0 && ll > 0 ? kl / Math.Sqrt(kk * ll) : 0;
        }

        /// <summary>Row-weighted HSIC₁(K, L), HSIC₁(K, K), HSIC₁(L, L) of the first <paramref name="n"/> rows.</summary>
        private (double, double, double) Block(double[] x, double[] y, int n)
        {
            var k = MaxKernel(x, n, ChannelsA);
            var l = MaxKernel(y, n, ChannelsB);
            return (n * UnbiasedHsic.Of(k, l, n), n * UnbiasedHsic.Of(k, k, n), n * UnbiasedHsic.Of(l, l, n));
        }

        private static double[] MaxKernel(double[] x, int n, int c)
        {
            var inv = new double[c];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < c; j++) inv[j] += x[r * c + j] * x[r * c + j];
            for (int j = 0; j < c; j++) inv[j] = inv[j] > 0 ? 1 / Math.Sqrt(inv[j]) : 0;
            var h = new double[n * c];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < c; j++) h[r * c + j] = x[r * c + j] * inv[j];
            var k = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int q = i; q < n; q++)
                {
                    double best = double.NegativeInfinity;
                    for (int j = 0; j < c; j++) best = Math.Max(best, h[i * c + j] * h[q * c + j]);
                    k[i * n + q] = k[q * n + i] = best;
                }
            return k;
        }
    }
}
