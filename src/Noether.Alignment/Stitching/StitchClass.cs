using System.Globalization;

namespace Noether.Alignment.Stitching;

/// <summary>Families of stitching maps (SPEC §1, Godfrey et al. 2022).</summary>
public enum StitchKind
{
    /// <summary>Full affine map x ↦ Mx + b (a 1×1 convolution on images).</summary>
    Affine,
    /// <summary>G_ReLU: P·diag(s), s ≥ 0, P relaxed by Sinkhorn to a doubly stochastic matrix, rounded by the Hungarian algorithm at evaluation.</summary>
    GRelu,
    /// <summary>A permutation only (relaxed and rounded like <see cref="GRelu"/>).</summary>
    Permutation,
    /// <summary>An orthogonal map (projected back onto O(n) after every step).</summary>
    Orthogonal,
    /// <summary>Affine with M = U·Vᵀ of rank r.</summary>
    LowRank,
    /// <summary>Affine with an L1 penalty λ·Σ|Mᵢⱼ| on the matrix.</summary>
    L1,
}

/// <summary>A stitching class: its kind, and the rank (low rank) or λ (L1).</summary>
/// <param name="Kind">Family.</param>
/// <param name="Rank">Rank r of <see cref="StitchKind.LowRank"/>.</param>
/// <param name="Lambda">L1 weight λ of <see cref="StitchKind.L1"/>.</param>
public sealed record StitchClass(StitchKind Kind, int Rank = 0, double Lambda = 0)
{
    /// <summary>The CLI spelling: affine, grelu, perm, orthogonal, lowrank:R, l1:λ.</summary>
    public override string ToString() => Kind switch
    {
        StitchKind.Affine => "affine",
        StitchKind.GRelu => "grelu",
        StitchKind.Permutation => "perm",
        StitchKind.Orthogonal => "orthogonal",
        StitchKind.LowRank => $"lowrank:{Rank}",
        _ => $"l1:{Lambda.ToString("R", CultureInfo.InvariantCulture)}",
    };

    /// <summary>True for the classes that are groups acting on channels (no bias is learned).</summary>
    public bool IsGroup => Kind is StitchKind.GRelu or StitchKind.Permutation or StitchKind.Orthogonal;

    /// <summary>Parses affine, grelu, perm, orthogonal, lowrank:R (R ≥ 1) or l1:λ (λ ≥ 0).</summary>
    /// <exception cref="ArgumentException">Anything else; the message lists the forms.</exception>
    public static StitchClass Parse(string text)
    {
        var t = (text ?? "").Trim().ToLowerInvariant();
        var parts = t.Split(':', 2);
        StitchClass? c = parts[0] switch
        {
            "affine" when parts.Length == 1 => new(StitchKind.Affine),
            "grelu" when parts.Length == 1 => new(StitchKind.GRelu),
            "perm" when parts.Length == 1 => new(StitchKind.Permutation),
            "orthogonal" when parts.Length == 1 => new(StitchKind.Orthogonal),
            "lowrank" when parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int r) && r >= 1 => new(StitchKind.LowRank, Rank: r),
            "l1" when parts.Length == 2 && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double l) && l >= 0 && double.IsFinite(l) => new(StitchKind.L1, Lambda: l),
            _ => null,
        };
        return c ?? throw new ArgumentException($"Unknown stitching class '{text}' (expected affine, grelu, perm, orthogonal, lowrank:R with R ≥ 1, or l1:λ with λ ≥ 0)");
    }
}
