using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Matching;

/// <summary>
/// Aligns a GL(n) or O(n) factor: least squares M = R_A R_Bᵀ (R_B R_Bᵀ)⁻¹ on the rows M acts on covariantly (exact on an
/// orbit), orthogonal Procrustes M = U Vᵀ (SVD of Σ R_A R_Bᵀ) for O(n).
/// </summary>
internal static class MatrixAlignment
{
    public static GroupElement For(SymmetryFactor f, Model<double> a, Model<double> b)
    {
        int n = f.Channels;
        if (f.Group is OrthogonalGroup)
        {
            var c = new Tensor<double>(n, n);
            foreach (var binding in f.Bindings.Where(x => x.Rule is AxisRule.Covariant or AxisRule.Contravariant))
                c = c + Rows(a, binding, n).MatMul(Rows(b, binding, n).Transpose());
            var (u, _, vt) = Linalg.Svd(c);
            return new MatrixElement(u.MatMul(vt));
        }
        var covariant = f.Bindings.Where(x => x.Rule == AxisRule.Covariant).ToArray();
        bool inverse = covariant.Length == 0;
        var used = inverse ? f.Bindings.Where(x => x.Rule == AxisRule.Contravariant).ToArray() : covariant;
        if (used.Length == 0) return f.Group.Identity;
        var ra = Stack(a, used, n);
        var rb = Stack(b, used, n);
        var gram = rb.MatMul(rb.Transpose());
        var (_, s, _) = Linalg.Svd(gram);
        var sv = s.ToArray();
        if (sv.Min() <= 1e-12 * sv.Max()) return f.Group.Identity; // rows of B do not determine M
        var m = ra.MatMul(rb.Transpose()).MatMul(Linalg.Inverse(gram));
        if (inverse) m = Linalg.Inverse(m).Transpose();
        var (_, ms, _) = Linalg.Svd(m);
        var msv = ms.ToArray();
        return msv.Min() > 1e-10 * msv.Max() ? new MatrixElement(m) : f.Group.Identity;
    }

    private static Tensor<double> Rows(Model<double> m, AxisBinding b, int n) => GroupAction.ChannelRows(m[b.Parameter], b, n);

    private static Tensor<double> Stack(Model<double> m, IReadOnlyList<AxisBinding> bindings, int n)
    {
        var parts = bindings.Select(b => Rows(m, b, n)).ToArray();
        int width = parts.Sum(p => p.Dim(1));
        var result = new Tensor<double>(n, width);
        int offset = 0;
        foreach (var p in parts)
        {
            result.Slice(1, offset, offset + p.Dim(1)).CopyFrom(p);
            offset += p.Dim(1);
        }
        return result;
    }
}
