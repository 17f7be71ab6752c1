using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Similarity;

/// <summary>
/// Orthogonal Procrustes (SPEC §1): centre each representation and normalise it to unit Frobenius norm; then
/// d = √(‖H₁‖² + ‖H₂‖² − 2‖H₁ᵀH₂‖_*)/2, the least distance over orthogonal maps, and the similarity is 1 − d.
/// Invariant to orthogonal maps, isotropic scaling and translation; not to anisotropic scaling.
/// Streams: only H₁ᵀH₂ and the two traces are kept. A representation that never varies scores 1 − √2/2 (ρ = 0).
/// </summary>
public sealed class OrthogonalProcrustes : SimilarityMeasure
{
    internal OrthogonalProcrustes() { }

    /// <inheritdoc />
    public override string Name => "procrustes";

    /// <inheritdoc />
    public override string Invariance => "orthogonal maps, isotropic scaling, translation";

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State(OrthogonalProcrustes measure, int a, int b) : SimilarityAccumulator(measure, a, b)
    {
        private readonly CrossMoments _m = new(a, b, fullSelf: false);

        protected override void AddRows(double[] x, double[] y, int rows) => _m.Add(x, y, rows);

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            var (sxy, sxx, syy) = _m.Centred();
            double scale = ProcrustesScore.Scale(sxx.Sum(), syy.Sum());
            double rho = scale > 0 ? Linalg.NuclearNorm(Tensor<double>.FromArray(sxy, ChannelsA, ChannelsB)) / scale : 0;
            return ProcrustesScore.Similarity(1, 1, rho, 1);
        }
    }
}
