namespace Noether.Alignment.Similarity;

/// <summary>
/// G_ReLU-Procrustes (SPEC §1): centre each channel and normalise it to unit norm; C = H₁ᵀH₂ is then the channels'
/// correlation matrix; match channels by the Hungarian algorithm; d = √((‖H₁‖² + ‖H₂‖² − 2·Σ matched C)/(4c)),
/// similarity 1 − d. Invariant to exactly G_ReLU = P·D with D diagonal positive (and translation): a channel whose
/// sign flips correlates negatively, so sign flips and rotations lower it. Channels that never vary count as zero
/// (‖H‖² is the number of live channels). Streams: only H₁ᵀH₂ and the channels' variances are kept.
/// </summary>
public sealed class GReluProcrustes : SimilarityMeasure
{
    internal GReluProcrustes() { }

    /// <inheritdoc />
    public override string Name => "grelu-procrustes";

    /// <inheritdoc />
    public override string Invariance => "P·D (channel permutations times positive per-channel scales), translation";

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State(GReluProcrustes measure, int a, int b) : SimilarityAccumulator(measure, a, b)
    {
        private readonly CrossMoments _m = new(a, b, fullSelf: false);

        protected override void AddRows(double[] x, double[] y, int rows) => _m.Add(x, y, rows);

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            var (sxy, sxx, syy) = _m.Centred();
            var (sa, liveA) = InverseNorms(sxx);
            var (sb, liveB) = InverseNorms(syy);
            var corr = new double[sxy.Length];
            for (int i = 0; i < ChannelsA; i++)
                for (int j = 0; j < ChannelsB; j++) corr[i * ChannelsB + j] = sxy[i * ChannelsB + j] * sa[i] * sb[j];
            double matched = LinearAssignment.Solve<double>(corr, ChannelsA, ChannelsB, maximize: true).Cost;
            return ProcrustesScore.Similarity(liveA, liveB, matched, Math.Max(ChannelsA, ChannelsB));
        }

        /// <summary>1/‖channel‖ for channels that vary (relative to the largest), 0 for the rest; and how many vary.</summary>
        private static (double[] Inverse, int Live) InverseNorms(double[] variances)
        {
            double floor = variances.Max() * 1e-20;
            var inv = variances.Select(v => v > floor && v > 0 ? 1 / Math.Sqrt(v) : 0).ToArray();
            return (inv, inv.Count(v => v > 0));
        }
    }
}
