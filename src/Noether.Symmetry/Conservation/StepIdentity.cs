using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>How far one GD step departs from the exact identity of one family (SPEC §2: linear Q unchanged, quadratic ΔQ = η²·Q(g)).</summary>
/// <param name="MaxAbsResidual">max_i |Q_i(θ′) − Q_i(θ) − ΔQ_i|.</param>
/// <param name="MaxRelResidual">The same relative to the quantity's scale (sum of its terms' absolute values at θ plus η² at g).</param>
public sealed record IdentityResidual(string Family, LawKind Kind, LawDegree Degree, int Count, double MaxAbsResidual, double MaxRelResidual, bool Exact);

/// <summary>Checks the exact per-step identities of every conserved quantity.</summary>
public static class StepIdentity
{
    /// <summary>
    /// Residuals of the identities for the step θ′ = θ − η·g, given θ (<paramref name="before"/>), g and θ′
    /// (<paramref name="after"/>, as the optimiser actually produced it).
    /// </summary>
    public static IReadOnlyList<IdentityResidual> Check(ConservedQuantities quantities, IReadOnlyDictionary<string, Tensor<double>> before,
        IReadOnlyDictionary<string, Tensor<double>> gradient, double lr, IReadOnlyDictionary<string, Tensor<double>> after)
    {
        var result = new List<IdentityResidual>();
        foreach (var f in quantities.Families)
        {
            double[] q0 = f.Evaluate(before), q1 = f.Evaluate(after), dq = f.PredictedStepChange(gradient, lr);
            double[] s0 = f.Scale(before), sg = f.Scale(gradient);
            double weight = f.Degree == LawDegree.Quadratic ? lr * lr : lr;
            double maxAbs = 0, maxRel = 0;
            for (int i = 0; i < q0.Length; i++)
            {
                double r = Math.Abs(q1[i] - q0[i] - dq[i]);
                double scale = s0[i] + weight * sg[i];
                maxAbs = Math.Max(maxAbs, r);
                maxRel = Math.Max(maxRel, scale > 0 ? r / scale : r == 0 ? 0 : double.PositiveInfinity);
            }
            result.Add(new IdentityResidual(f.Name, f.Kind, f.Degree, f.Count, maxAbs, maxRel, f.Exact));
        }
        return result;
    }
}
