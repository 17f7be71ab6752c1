using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>
/// The group element that gives every unit of every continuously rescalable segment unit-norm incoming rows (the
/// covariant bindings of that segment), so that units of two models can be compared up to their scale.
/// </summary>
internal static class ScaleNormalisation
{
    /// <summary>
    /// Factor by factor in graph order, each on the model already normalised by the factors before it (a layer's
    /// incoming rows are the previous layer's outgoing columns too); the scalings commute, so the product is one element.
    /// </summary>
    public static ProductElement Of(Model<double> model, WeightSpaceSpec spec)
    {
        var parts = spec.Factors.Select(f => f.Group.Identity).ToArray();
        var current = model;
        for (int k = 0; k < parts.Length; k++)
        {
            parts[k] = ForFactor(current, spec.Factors[k]);
            var single = spec.Factors.Select(f => f.Group.Identity).ToArray();
            single[k] = parts[k];
            current = GroupAction.Apply(current, spec, new ProductElement(single));
        }
        return new ProductElement(parts);
    }

    private static double[] SquaredNorms(Model<double> model, SymmetryFactor f, int segment, AxisRule rule)
    {
        var norms = new double[f.Channels];
        foreach (var b in f.Bindings.Where(b => b.Segment == segment && b.Rule == rule))
        {
            var rows = GroupAction.ChannelRows(model[b.Parameter], b, f.Channels);
            int w = rows.Dim(1);
            var span = rows.Span;
            for (int i = 0; i < f.Channels; i++) norms[i] += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(span.Slice(i * w, w));
        }
        return norms;
    }

    private static GroupElement ForFactor(Model<double> model, SymmetryFactor f)
    {
        if (FactorKinds.IsMatrix(f)) return f.Group.Identity;
        var kinds = FactorKinds.SegmentDiagonals(f);
        var diagonals = new Dictionary<int, double[]>();
        for (int s = 0; s < kinds.Length; s++)
        {
            if (kinds[s] is not (DiagonalKind.Positive or DiagonalKind.Nonzero)) continue;
            // Unit incoming rows; a segment without them (an RMSNorm output: only a gain and the next layer's
            // columns) is normalised by its gain, else by its outgoing columns (which scale by 1/s).
            var norms = SquaredNorms(model, f, s, AxisRule.Covariant);
            bool inverse = false;
            if (norms.All(v => v == 0)) norms = SquaredNorms(model, f, s, AxisRule.Relative);
            if (norms.All(v => v == 0)) { norms = SquaredNorms(model, f, s, AxisRule.Contravariant); inverse = true; }
            diagonals[s] = norms.Select(v => v > 0 && double.IsFinite(v) ? (inverse ? Math.Sqrt(v) : 1 / Math.Sqrt(v)) : 1).ToArray();
        }
        return FactorKinds.Element(f, Enumerable.Range(0, f.Channels).ToArray(), diagonals);
    }
}
