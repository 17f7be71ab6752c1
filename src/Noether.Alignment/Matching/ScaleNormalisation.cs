using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>
/// The group element that gives every unit of every continuously rescalable segment the same norm of incoming rows (the
/// covariant bindings of that segment; the segment's root-mean-square norm), so that units of two models can be
/// compared up to their scale.
/// </summary>
internal static class ScaleNormalisation
{
    /// <summary>
    /// Factor by factor in graph order, each on the model already normalised by the factors before it (a layer's
    /// incoming rows are the previous layer's outgoing columns too); the scalings commute, so the product is one element.
    /// </summary>
    /// <param name="model">The model to normalise.</param>
    /// <param name="spec">Its derived symmetry.</param>
    /// <param name="targets">Per (factor, segment) the norm every unit gets: filled from this model when empty, reused
    /// when given (so that two models normalised with A's targets differ by a pure permutation on an orbit).</param>
    public static ProductElement Of(Model<double> model, WeightSpaceSpec spec, Dictionary<(int, int), double> targets)
    {
        var parts = spec.Factors.Select(f => f.Group.Identity).ToArray();
        var current = model;
        for (int k = 0; k < parts.Length; k++)
        {
            parts[k] = ForFactor(current, spec.Factors[k], k, targets);
            var single = spec.Factors.Select(f => f.Group.Identity).ToArray();
            single[k] = parts[k];
            current = GroupAction.Apply(current, spec, new ProductElement(single));
        }
        return new ProductElement(parts);
    }

    private static double[] SquaredNorms(Model<double> model, SymmetryFactor f, int segment, params AxisRule[] rules)
    {
        var norms = new double[f.Channels];
        foreach (var b in f.Bindings.Where(b => b.Segment == segment && rules.Contains(b.Rule)))
        {
            var rows = GroupAction.ChannelRows(model[b.Parameter], b, f.Channels);
            int w = rows.Dim(1);
            var span = rows.Span;
            for (int i = 0; i < f.Channels; i++) norms[i] += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(span.Slice(i * w, w));
        }
        return norms;
    }

    private static GroupElement ForFactor(Model<double> model, SymmetryFactor f, int k, Dictionary<(int, int), double> targets)
    {
        if (FactorKinds.IsMatrix(f)) return f.Group.Identity;
        var kinds = FactorKinds.SegmentDiagonals(f);
        var diagonals = new Dictionary<int, double[]>();
        for (int s = 0; s < kinds.Length; s++)
        {
            if (kinds[s] is not (DiagonalKind.Positive or DiagonalKind.Nonzero)) continue;
            // Unit incoming rows, norm gains included (a BatchNorm or LayerNorm output scales with (γ, β): β alone is
            // near zero after training and would blow the scales up); a segment without them is normalised by its
            // outgoing columns (which scale by 1/s).
            var norms = SquaredNorms(model, f, s, AxisRule.Covariant, AxisRule.Relative);
            bool inverse = false;
            if (norms.All(v => v == 0)) { norms = SquaredNorms(model, f, s, AxisRule.Contravariant); inverse = true; }
            // Every unit gets the segment's root-mean-square norm (not 1): units become comparable up to scale while each
            // binding keeps its natural weight in the matching cost (unit-norm BatchNorm (γ, β) would drown the kernels).
            var live = norms.Where(v => v > 0 && double.IsFinite(v)).ToArray();
            if (!targets.TryGetValue((k, s), out double target)) targets[(k, s)] = target = live.Length > 0 ? Math.Sqrt(live.Average()) : 1;
            diagonals[s] = norms.Select(v => v > 0 && double.IsFinite(v) ? (inverse ? Math.Sqrt(v) / target : target / Math.Sqrt(v)) : 1).ToArray();
        }
        return FactorKinds.Element(f, Enumerable.Range(0, f.Channels).ToArray(), diagonals);
    }
}
