using Noether.Nn.Operations;
using Noether.Symmetry.Groups;

namespace Noether.Symmetry.Intertwiners;

/// <summary>How φ_σ maps an element A of G_σ to the matrix B with σ(Ax) = Bσ(x).</summary>
public abstract record PhiMap
{
    /// <summary>φ(A) = A.</summary>
    public static PhiMap Identity { get; } = new IdentityPhi();
    /// <summary>φ(P·D) = P·|D| (for |x|).</summary>
    public static PhiMap Abs { get; } = new AbsPhi();
    /// <summary>φ(P·D) = P·D^d (for x^d).</summary>
    public static PhiMap Power(int d) => new PowerPhi(d);

    /// <summary>Applies φ to an element.</summary>
    public abstract GroupElement Apply(GroupElement a);

    /// <summary>The diagonal kind of φ(D) for D of the given kind.</summary>
    public abstract DiagonalKind MapDiagonal(DiagonalKind kind);

    /// <summary>The largest diagonal kind whose image under φ lies in <paramref name="allowedImage"/>.</summary>
    public abstract DiagonalKind Preimage(DiagonalKind allowedImage);
}

/// <summary>φ(A) = A.</summary>
public sealed record IdentityPhi : PhiMap
{
    public override GroupElement Apply(GroupElement a) => a;
    public override DiagonalKind MapDiagonal(DiagonalKind kind) => kind;
    public override DiagonalKind Preimage(DiagonalKind allowedImage) => allowedImage;
    public override string ToString() => "A";
}

/// <summary>φ(P·D) = P·|D|.</summary>
public sealed record AbsPhi : PhiMap
{
    public override GroupElement Apply(GroupElement a) => a is MonomialElement m ? m.Abs() : new MatrixElement(a.ToMatrix().Abs()); // entrywise |A|
    public override DiagonalKind MapDiagonal(DiagonalKind kind) => kind is DiagonalKind.Nonzero or DiagonalKind.Positive ? DiagonalKind.Positive : DiagonalKind.None;
    public override DiagonalKind Preimage(DiagonalKind allowedImage) =>
        allowedImage is DiagonalKind.Positive or DiagonalKind.Nonzero ? DiagonalKind.Nonzero : DiagonalKind.Sign;
    public override string ToString() => "|A|";
}

/// <summary>φ(P·D) = P·D^Degree.</summary>
public sealed record PowerPhi(int Degree) : PhiMap
{
    public override GroupElement Apply(GroupElement a) => a is MonomialElement m ? m.PowerOfScales(Degree) : throw new ArgumentException("P·D^d is defined for monomial elements only");
    public override DiagonalKind MapDiagonal(DiagonalKind kind) => Degree % 2 == 0
        ? (kind is DiagonalKind.Nonzero or DiagonalKind.Positive ? DiagonalKind.Positive : DiagonalKind.None)
        : kind;
    public override DiagonalKind Preimage(DiagonalKind allowedImage) => Degree % 2 == 0
        ? (allowedImage is DiagonalKind.Positive or DiagonalKind.Nonzero ? DiagonalKind.Nonzero : DiagonalKind.Sign)
        : allowedImage;
    public override string ToString() => $"P·D^{Degree}";
}

/// <summary>
/// The intertwiner group G_σ of an elementwise activation on R^n and its homomorphism φ_σ (Godfrey et al. 2022).
/// <see cref="AffineOffset"/> is set when sign flips are only absorbed affinely: σ(−x) = c − σ(x), so a flipped unit
/// also adds c·W[:, i] to the next layer's bias.
/// </summary>
public sealed record Intertwiner(Activation Activation, Group Group, PhiMap Phi, double? AffineOffset, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{Activation}: G = {Group}, φ(A) = {Phi}{(AffineOffset is double c ? $", affine (c = {c})" : "")}";
}

/// <summary>Intertwiner groups of the built-in activations (SPEC §1 table) and, numerically, of custom ones.</summary>
public static class IntertwinerGroups
{
    /// <summary>
    /// G_σ on R^n. With <paramref name="allowAffine"/>, activations with σ(−x) = c − σ(x) (sigmoid) gain sign flips whose
    /// offset the next layer's bias absorbs.
    /// </summary>
    public static Intertwiner Of(Activation activation, int n, bool allowAffine = false) => activation switch
    {
        IdentityActivation => new(activation, Group.GeneralLinear(n), PhiMap.Identity, null, "linear"),
        LeakyReluActivation { Alpha: 1 } => new(activation, Group.GeneralLinear(n), PhiMap.Identity, null, "leaky_relu with slope 1 is the identity"),
        ReluActivation or LeakyReluActivation => new(activation, Group.Monomial(n), PhiMap.Identity, null, "positively 1-homogeneous"),
        TanhActivation => new(activation, Group.SignedPermutation(n), PhiMap.Identity, null, "odd"),
        SigmoidActivation when allowAffine => new(activation, Group.SignedPermutation(n), PhiMap.Identity, 1.0, "σ(−x) = 1 − σ(x), absorbed by the next bias"),
        SigmoidActivation => new(activation, Group.Permutation(n), PhiMap.Identity, null, "generic (σ(−x) = 1 − σ(x) needs an affine intertwiner)"),
        GeluActivation or SiluActivation or SoftplusActivation => new(activation, Group.Permutation(n), PhiMap.Identity, null, "σ(−x) = σ(x) − x: no sign or scale symmetry"),
        AbsActivation => new(activation, Group.InvertibleMonomial(n), PhiMap.Abs, null, "|αx| = |α|·|x|"),
        ClipActivation c => OfClip(c, n),
        HardSigmoidActivation { Beta: 0.5, Alpha: not 0 } when allowAffine
            => new(activation, Group.SignedPermutation(n), PhiMap.Identity, 1.0, "f(−x) = 1 − f(x), absorbed by the next bias; bounded, so no scaling"),
        HardSigmoidActivation => new(activation, Group.Permutation(n), PhiMap.Identity, null, "bounded and shifted: no scale symmetry (sign flips need β = ½ and an affine intertwiner)"),
        HardSwishActivation or GeluTanhActivation => new(activation, Group.Permutation(n), PhiMap.Identity, null, "not odd, even or positively homogeneous: no sign or scale symmetry"),
        CustomActivation c => ActivationClassifier.Classify(c, n, allowAffine),
        _ => throw new NotSupportedException($"No intertwiner group is known for activation '{activation}'"),
    };

    /// <summary>
    /// clip(x, a, b): the identity when unbounded, positively homogeneous only when each end is 0 or infinite (ReLU,
    /// min(x, 0)), odd when a = −b; any finite nonzero bound (ReLU6) rules out rescaling.
    /// </summary>
    private static Intertwiner OfClip(ClipActivation c, int n)
    {
        bool openBelow = double.IsNegativeInfinity(c.Min), openAbove = double.IsPositiveInfinity(c.Max);
        if (openBelow && openAbove) return new(c, Group.GeneralLinear(n), PhiMap.Identity, null, "clip without bounds is the identity");
        if ((openBelow || c.Min == 0) && (openAbove || c.Max == 0) && c.Min <= c.Max)
            return new(c, Group.Monomial(n), PhiMap.Identity, null, "clipping at 0 only is positively 1-homogeneous");
        if (c.Min == -c.Max && c.Max > 0) return new(c, Group.SignedPermutation(n), PhiMap.Identity, null, "odd (clip(−b, b)); the bound b rules out rescaling");
        return new(c, Group.Permutation(n), PhiMap.Identity, null, $"the finite bound{(openBelow || openAbove ? "" : "s")} of {c} rule{(openBelow || openAbove ? "s" : "")} out rescaling, and it is not odd");
    }
}
