using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Intertwiners;

/// <summary>
/// Decides numerically which intertwiner group a user-supplied elementwise function admits, by testing candidate
/// identities on seeded random points: linearity, positive k-homogeneity (with evenness or oddness), oddness,
/// affine oddness σ(−x) = c − σ(x). Each verdict is certified on every test point to a relative tolerance; the
/// fallback is the permutation group, which every elementwise function admits.
/// </summary>
public static class ActivationClassifier
{
    private const int Points = 2000;
    private const double Tolerance = 1e-9;

    /// <summary>Classifies a custom activation.</summary>
    public static Intertwiner Classify(CustomActivation activation, int n, bool allowAffine = false)
    {
        var f = activation.Function;
        var rng = new Rng(0x1A7E);
        var xs = Enumerable.Range(0, Points).Select(_ => 3 * rng.NextNormal()).ToArray();
        var alphas = Enumerable.Range(0, Points).Select(_ => Math.Exp(1.5 * rng.NextNormal())).ToArray();
        bool Holds(Func<int, (double Lhs, double Rhs)> identity)
        {
            for (int i = 0; i < Points; i++)
            {
                var (l, r) = identity(i);
                if (!double.IsFinite(l) || !double.IsFinite(r)) return false;
                if (Math.Abs(l - r) > Tolerance * Math.Max(1, Math.Max(Math.Abs(l), Math.Abs(r)))) return false;
            }
            return true;
        }
        double f1 = f(1);
        bool linear = Math.Abs(f(0)) <= Tolerance && Holds(i => (f(xs[i] + alphas[i] * xs[(i + 1) % Points]), f(xs[i]) + alphas[i] * f(xs[(i + 1) % Points])))
                      && Holds(i => (f(-xs[i]), -f(xs[i])));
        if (linear && f1 != 0) return new(activation, Group.GeneralLinear(n), PhiMap.Identity, null, "certified linear");
        bool odd = Holds(i => (f(-xs[i]), -f(xs[i])));
        bool even = Holds(i => (f(-xs[i]), f(xs[i])));
        // Degree of positive homogeneity, estimated then certified: f(αx) = α^k f(x) for all α > 0.
        int degree = EstimateDegree(f, xs);
        if (degree >= 1 && Holds(i => (f(alphas[i] * xs[i]), Math.Pow(alphas[i], degree) * f(xs[i]))))
        {
            if (degree == 1 && even) return new(activation, Group.InvertibleMonomial(n), PhiMap.Abs, null, "certified positively 1-homogeneous and even (|x|-like)");
            if (degree > 1 && (even || odd) && (degree % 2 == 0) == even)
                return new(activation, Group.InvertibleMonomial(n), PhiMap.Power(degree), null, $"certified x^{degree}-like: homogeneous of degree {degree}");
            if (degree == 1) return new(activation, Group.Monomial(n), PhiMap.Identity, null, "certified positively 1-homogeneous");
            return new(activation, Group.Monomial(n), PhiMap.Power(degree), null, $"certified positively homogeneous of degree {degree}");
        }
        if (odd) return new(activation, Group.SignedPermutation(n), PhiMap.Identity, null, "certified odd");
        double c = f(0) * 2;
        if (allowAffine && c != 0 && Holds(i => (f(-xs[i]), c - f(xs[i]))))
            return new(activation, Group.SignedPermutation(n), PhiMap.Identity, c, $"certified σ(−x) = {c:G6} − σ(x), absorbed by the next bias");
        return new(activation, Group.Permutation(n), PhiMap.Identity, null, "no scale or sign identity holds: permutations only");
    }

    private static int EstimateDegree(Func<double, double> f, double[] xs)
    {
        foreach (var x in xs)
        {
            double a = f(x), b = f(2 * x);
            if (Math.Abs(a) < 1e-6 || !double.IsFinite(a) || !double.IsFinite(b) || Math.Sign(a) != Math.Sign(b)) continue;
            double k = Math.Log2(b / a);
            int r = (int)Math.Round(k);
            return Math.Abs(k - r) < 1e-6 ? r : 0;
        }
        return 0;
    }
}
