using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

/// <summary>How a parameter axis transforms under the element A acting on its segment.</summary>
public enum AxisRule
{
    /// <summary>Multiply by A along the axis (rows of a weight, a bias): θ ← A·θ.</summary>
    Covariant,
    /// <summary>Multiply by A^{−T} along the axis (columns of the next weight, θ ← θ·A^{−1}; keys of attention).</summary>
    Contravariant,
    /// <summary>Apply only the permutation part (statistics that no scale may touch, such as running means).</summary>
    PermutationOnly,
    /// <summary>θ_i ← θ_{p(i)} · s_i / t_i where t is the diagonal of <see cref="AxisBinding.ReferenceSegment"/> (norm gains, depthwise kernels).</summary>
    Relative,
}

/// <summary>
/// One axis (or a slice of it) of one parameter bound to a segment of a symmetry factor. The slice
/// [<see cref="Offset"/>, Offset + Length) of axis <see cref="Axis"/> is viewed as n channels of
/// <see cref="BlockSize"/> consecutive entries each (a block per channel, e.g. H·W entries after Flatten or d_k rows of a head).
/// </summary>
public sealed record AxisBinding(string Parameter, int Axis, int Offset, int Length, int BlockSize, int Segment, AxisRule Rule, PhiMap Phi)
{
    /// <summary>For <see cref="AxisRule.Relative"/>: the segment whose diagonal divides.</summary>
    public int? ReferenceSegment { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        string range = Offset == 0 && BlockSize == 1 ? "" : $"[{Offset}..{Offset + Length}{(BlockSize > 1 ? $", blocks of {BlockSize}" : "")}]";
        string phi = Phi is IdentityPhi ? "" : $" via φ = {Phi}";
        return $"{Parameter} axis {Axis}{range}: {Rule}{phi} (segment {Segment})";
    }
}
