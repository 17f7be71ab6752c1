using Noether.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Alignment.Similarity;

/// <summary>
/// Linear CKA with the biased HSIC (Kornblith et al. 2019): ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F·‖YcᵀYc‖_F) for column-centred
/// features, computed from streamed second moments. Invariant to orthogonal maps, isotropic scaling and translation
/// of either representation — not to anisotropic scaling. Biased upward for small samples (see <see cref="DebiasedCka"/>).
/// A representation that never varies shares nothing: its CKA is 0.
/// </summary>
public sealed class LinearCka : SimilarityMeasure
{
    internal LinearCka() { }

    /// <inheritdoc />
    public override string Name => "cka";

    /// <inheritdoc />
    public override string Invariance => "orthogonal maps, isotropic scaling, translation";

    /// <inheritdoc />
    public override SimilarityAccumulator Start(int channelsA, int channelsB) => new State(this, channelsA, channelsB);

    private sealed class State(LinearCka measure, int a, int b) : SimilarityAccumulator(measure, a, b)
    {
        private readonly CrossMoments _m = new(a, b, fullSelf: true);

        protected override void AddRows(double[] x, double[] y, int rows) => _m.Add(x, y, rows);

        public override double Value()
        {
            RequireRows(Measure.MinimumSamples);
            var (sxy, sxx, syy) = _m.Centred();
            double den = Math.Sqrt(TP.SumOfSquares<double>(sxx) * TP.SumOfSquares<double>(syy));
            return den > 0 ? TP.SumOfSquares<double>(sxy) / den : 0;
        }
    }
}
