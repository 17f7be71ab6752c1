namespace Noether.Alignment.Similarity;

/// <summary>
/// Permutation-only Procrustes: centre each representation and normalise it to unit Frobenius norm; match channels by
/// the Hungarian algorithm on H₁ᵀH₂ (no rescaling); d = √(‖H₁‖² + ‖H₂‖² − 2·Σ matched)/2, similarity 1 − d. Invariant
/// to channel permutations, isotropic scaling and translation; not to per-channel scaling or rotations.
/// </summary>
public sealed class PermutationProcrustes : SimilarityMeasure
{
    internal PermutationProcrustes() { }

    /// <inheritdoc />
    public override string Name => "perm-procrustes";

    /// <inheritdoc />
    public override string Invariance => "channel permutations, isotropic scaling, translation";

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State(PermutationProcrustes measure, int a, int b) : SimilarityAccumulator(measure, a, b)
    {
        private readonly CrossMoments _m = new(a, b, fullSelf: false);

        protected override void AddRows(double[] x, double[] y, int rows) => _m.Add(x, y, rows);

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            var (sxy, sxx, syy) = _m.Centred();
            double scale = ProcrustesScore.Scale(sxx.Sum(), syy.Sum());
            double rho = scale > 0 ? LinearAssignment.Solve<double>(sxy, ChannelsA, ChannelsB, maximize: true).Cost / scale : 0;
            return ProcrustesScore.Similarity(1, 1, rho, 1);
        }
    }
}
