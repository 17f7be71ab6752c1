using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Alignment.Matching;

/// <summary>
/// After units are matched, the positive scale of each unit of each rescalable segment that brings B nearest to A:
/// t = log s minimises Σ_b ‖a_b − e^{r_b t}·b_b‖² over the unit's rows (r_b = +1 for rows it scales, −1 for columns it
/// divides, φ's rate for dependent segments). On an orbit this recovers the scale exactly; between two trained models it
/// never increases the distance (t = 0 is a candidate). Rows that a GL factor also moves are left out while other rows
/// decide (their GL part is not aligned yet).
/// </summary>
internal static class ScaleFit
{
    /// <summary>
    /// Factor by factor in graph order, each fitted on B already rescaled by the factors before it, from the rows whose
    /// other axes are free or belong to those factors (falling back to all rows); the scalings commute, so the product
    /// is one element.
    /// </summary>
    public static ProductElement Of(Model<double> a, Model<double> b, WeightSpaceSpec spec)
    {
        var parts = spec.Factors.Select(f => f.Group.Identity).ToArray();
        var current = b;
        for (int k = 0; k < parts.Length; k++)
        {
            int index = k;
            bool Ready(AxisBinding x) => !spec.Factors.Where((_, j) => j >= index || FactorKinds.IsMatrix(spec.Factors[j]))
                .Any(o => o.Bindings.Any(y => y.Parameter == x.Parameter && (o != spec.Factors[index] || y.Axis != x.Axis)));
            parts[k] = ForFactor(a, current, spec.Factors[k], Ready);
            var single = spec.Factors.Select(f => f.Group.Identity).ToArray();
            single[k] = parts[k];
            current = GroupAction.Apply(current, spec, new ProductElement(single));
        }
        return new ProductElement(parts);
    }

    private static GroupElement ForFactor(Model<double> a, Model<double> b, SymmetryFactor f, Func<AxisBinding, bool> ready)
    {
        if (FactorKinds.IsMatrix(f)) return f.Group.Identity;
        var kinds = FactorKinds.SegmentDiagonals(f);
        var diagonals = new Dictionary<int, double[]>();
        int n = f.Channels;
        for (int s = 0; s < kinds.Length; s++)
        {
            if (kinds[s] is not (DiagonalKind.Positive or DiagonalKind.Nonzero)) continue;
            var terms = f.Bindings.Select(x => (Binding: x, Rate: Rate(f, x, s))).Where(t => t.Rate != 0).ToList();
            var clean = terms.Where(t => ready(t.Binding)).ToList();
            if (clean.Count > 0) terms = clean;
            // Per unit: Σ‖a‖², Σ⟨a, b⟩ and Σ‖b‖² for each rate.
            var stats = terms.Select(t =>
            {
                var ra = GroupAction.ChannelRows(a[t.Binding.Parameter], t.Binding, n);
                var rb = GroupAction.ChannelRows(b[t.Binding.Parameter], t.Binding, n);
                int w = ra.Dim(1);
                var sa = ra.Span; var sb = rb.Span;
                var ab = new double[n]; var bb = new double[n];
                for (int i = 0; i < n; i++)
                {
                    ab[i] = System.Numerics.Tensors.TensorPrimitives.Dot(sa.Slice(i * w, w), sb.Slice(i * w, w));
                    bb[i] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(sb.Slice(i * w, w));
                }
                return (t.Rate, Ab: ab, Bb: bb);
            }).ToList();
            var scale = new double[n];
            for (int i = 0; i < n; i++)
            {
                double F(double t) => stats.Sum(x => { double e = Math.Exp(x.Rate * t); return e * e * x.Bb[i] - 2 * e * x.Ab[i]; });
                double t0 = Minimise(F);
                // Newton on F′ = Σ 2r(e^{2rt}‖b‖² − e^{rt}⟨a,b⟩) to full precision (values alone give only √ε).
                for (int it = 0; it < 8; it++)
                {
                    double d1 = 0, d2 = 0;
                    foreach (var x in stats)
                    {
                        double e = Math.Exp(x.Rate * t0), r = x.Rate;
                        d1 += 2 * r * (e * e * x.Bb[i] - e * x.Ab[i]);
                        d2 += 2 * r * r * (2 * e * e * x.Bb[i] - e * x.Ab[i]);
                    }
                    if (!(d2 > 0)) break;
                    double next = t0 - d1 / d2;
                    if (!double.IsFinite(next) || F(next) > F(t0) + 1e-15 * Math.Abs(F(t0))) break;
                    t0 = next;
                }
                scale[i] = Math.Exp(t0);
            }
            diagonals[s] = scale;
        }
        return FactorKinds.Element(f, Enumerable.Range(0, n).ToArray(), diagonals);
    }

    /// <summary>Rate of binding <paramref name="b"/>'s rows in log-scale units of independent segment <paramref name="s"/>.</summary>
    private static double Rate(SymmetryFactor f, AxisBinding b, int s)
    {
        double Of(int segment) => segment == s ? 1 : f.Segments[segment].Parent is int p ? (f.Segments[segment].Phi is PowerPhi q ? q.Degree : 1) * Of(p) : 0;
        return b.Rule switch
        {
            AxisRule.Covariant => Of(b.Segment),
            AxisRule.Contravariant => -Of(b.Segment),
            AxisRule.Relative => Of(b.Segment) - (b.ReferenceSegment is int r ? Of(r) : 0),
            _ => 0,
        };
    }

    /// <summary>
    /// A 1-D minimum: the best of a coarse grid on [−8, 8], refined by golden-section search; 0 (B's own scale) when the
    /// grid's best lies at its edge — a unit that A does not resemble would otherwise be shrunk towards zero.
    /// </summary>
    private static double Minimise(Func<double, double> f)
    {
        double best = 0, fb = f(0);
        for (double t = -8; t <= 8; t += 0.25) { double v = f(t); if (v < fb) { fb = v; best = t; } }
        if (Math.Abs(best) >= 7.75) return 0;
        double lo = best - 0.25, hi = best + 0.25, g = (Math.Sqrt(5) - 1) / 2;
        double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo), f1 = f(x1), f2 = f(x2);
        for (int k = 0; k < 80; k++)
        {
            if (f1 < f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = f(x1); }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = f(x2); }
        }
        double mid = (lo + hi) / 2;
        return f(mid) <= fb ? mid : best;
    }
}
