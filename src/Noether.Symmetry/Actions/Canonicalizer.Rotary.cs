using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Actions;

public static partial class Canonicalizer
{
    /// <summary>
    /// (R+ × SO(2))^pairs × GL(rest) on (W_Q, W_K) rows: per pair, with Q and K its 2 rows of the first covariant and the
    /// first contravariant binding, the scale s = (‖K‖/‖Q‖)^(1/2) balances them (‖sQ‖ = ‖K/s‖), and the rotation
    /// brings the fixed functional Q·w of the rows onto the first axis. Under Q ← sR·Q, K ← (1/s)R·K both statistics move
    /// with the element, so the result is orbit-invariant. The unrotated block's leading square block is set to I.
    /// </summary>
    private static string ScaledRotation(ParameterWork model, SymmetryFactor f, ScaledRotationGroup group)
    {
        int n = f.Channels;
        var qBinding = f.Bindings.FirstOrDefault(b => b.Rule == AxisRule.Covariant);
        var kBinding = f.Bindings.FirstOrDefault(b => b.Rule == AxisRule.Contravariant);
        if (qBinding is null || kBinding is null) return "left as is: needs covariant and contravariant weights";
        var q = Rows(model, qBinding, n);
        var k = Rows(model, kBinding, n);
        int width = q.Dim(1);
        var w = Enumerable.Range(0, width).Select(j => 1 + Math.Sin(1.7 * j + 0.3)).ToArray(); // fixed, generic
        var scales = new double[group.Pairs];
        var angles = new double[group.Pairs];
        for (int i = 0; i < group.Pairs; i++)
        {
            var (a, b) = group.Pair(i);
            double qn = Norm2(q, a) + Norm2(q, b), kn = Norm2(k, a) + Norm2(k, b);
            if (qn <= 0 || kn <= 0) return $"left as is: pair {i} has zero query or key rows";
            double s = Math.Pow(kn / qn, 0.25);
            double ca = Dot(q, a, w), cb = Dot(q, b, w);
            if (ca == 0 && cb == 0) return $"left as is: pair {i}'s query rows are orthogonal to the reference functional";
            scales[i] = s;
            angles[i] = -Math.Atan2(cb, ca); // R(−φ) takes (ca, cb) = r·(cos φ, sin φ) onto the first axis
        }
        Tensor<double>? rest = null;
        if (group.Rest > 0)
        {
            int r0 = 2 * group.Pairs;
            if (width < group.Rest) return $"left as is: the unrotated rows have only {width} entries";
            var lead = q.Slice(0, r0, n).Slice(1, 0, group.Rest).Contiguous();
            var (_, sv, _) = Tensors.Linalg.Linalg.Svd(lead);
            var values = sv.ToArray();
            if (values[^1] <= 1e-10 * values[0]) return "left as is: the unrotated rows' leading block is singular";
            rest = Tensors.Linalg.Linalg.Inverse(lead);
        }
        var g = group.Element(scales, angles, rest);
        GroupAction.ApplyPerSegment(model, f, _ => g);
        return "per rotary pair: query and key norms balanced, a fixed functional of the query rows rotated onto the first axis"
            + (group.Rest > 0 ? "; unrotated block's leading square set to I" : "");
    }

    private static double Norm2(Tensor<double> rows, int r)
    {
        double sum = 0;
        for (int j = 0; j < rows.Dim(1); j++) sum += rows[r, j] * rows[r, j];
        return sum;
    }

    private static double Dot(Tensor<double> rows, int r, double[] w)
    {
        double sum = 0;
        for (int j = 0; j < rows.Dim(1); j++) sum += rows[r, j] * w[j];
        return sum;
    }
}
