using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

/// <summary>A segment of a factor: its diagonal freedom, or dependence on another segment through an activation's φ.</summary>
/// <param name="Index">Position of the segment within its factor.</param>
/// <param name="Values">Graph values (activations) that live in this segment.</param>
/// <param name="Parent">The segment this one is a function of (φ), or null when independent.</param>
/// <param name="Phi">φ relating this segment to <see cref="Parent"/>.</param>
public sealed record SegmentInfo(int Index, IReadOnlyList<string> Values, int? Parent, PhiMap Phi);

/// <summary>
/// A sort key for a permutation factor whose rows other (GL) factors also move: for channel c,
/// Σ over its left blocks L and right blocks R of uᵀ·(Lᵀ·R)·v for fixed vectors u, v. Lᵀ·R is unchanged when L ← A·L and
/// R ← A^{−T}·R (e.g. per-head query and key rows), so the key survives the GL factors.
/// </summary>
/// <param name="Left">Parameter holding the left blocks (e.g. the query projection).</param>
/// <param name="Right">Parameter holding the right blocks (e.g. the key projection).</param>
/// <param name="LeftRowStarts">Per channel, the first rows (axis 0) of its left blocks.</param>
/// <param name="RightRowStarts">Per channel, the first rows of its right blocks.</param>
/// <param name="BlockRows">Rows per block.</param>
public sealed record BilinearKey(string Left, string Right, IReadOnlyList<int[]> LeftRowStarts, IReadOnlyList<int[]> RightRowStarts, int BlockRows)
{
    /// <inheritdoc />
    public bool Equals(BilinearKey? other) => other is not null && Left == other.Left && Right == other.Right && BlockRows == other.BlockRows
        && LeftRowStarts.Zip(other.LeftRowStarts).All(t => t.First.SequenceEqual(t.Second)) && RightRowStarts.Zip(other.RightRowStarts).All(t => t.First.SequenceEqual(t.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Left, Right, BlockRows);
}

/// <summary>
/// The bias correction of an affine intertwiner: units of <see cref="Segment"/> feed σ with σ(−x) = c − σ(x), so flipping
/// unit i (s_i = −1) adds u_i = (1 − s_i)·c/2 to its output, which the next Linear's bias absorbs: d ← d − W·u, with W the
/// (already transformed) weight whose input axis <see cref="WeightAxis"/> reads the segment.
/// </summary>
public sealed record AffineShift(string Bias, string Weight, int WeightAxis, int Segment, double Offset);

/// <summary>
/// One factor of a model's weight-space symmetry group: a group acting on one hidden space (or on attention heads),
/// the parameter axes it moves, and the reasons that shaped it.
/// </summary>
public sealed record SymmetryFactor(string Name, int Channels, Group Group, IReadOnlyList<SegmentInfo> Segments, IReadOnlyList<AxisBinding> Bindings, IReadOnlyList<string> Reasons)
{
    /// <summary>Bias corrections of affine intertwiners (sigmoid sign flips), applied after the bindings.</summary>
    public IReadOnlyList<AffineShift> AffineShifts { get; init; } = [];

    /// <summary>A GL-invariant sort key for canonical forms, when the factor's rows are shared with GL factors.</summary>
    public BilinearKey? InvariantKey { get; init; }

    /// <summary>The element's action on one segment (applying φ for dependent segments).</summary>
    public GroupElement SegmentElement(GroupElement element, int segment)
    {
        var info = Segments[segment];
        if (info.Parent is int parent) return info.Phi.Apply(SegmentElement(element, parent));
        return element switch
        {
            ChannelElement c => c.Segment(IndependentIndex(segment)),
            _ => element,
        };
    }

    private int IndependentIndex(int segment) => Segments.Take(segment).Count(s => s.Parent is null);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Group} on {Channels} channels ({Bindings.Count} parameter axes)";
}
