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
/// One factor of a model's weight-space symmetry group: a group acting on one hidden space (or on attention heads),
/// the parameter axes it moves, and the reasons that shaped it.
/// </summary>
public sealed record SymmetryFactor(string Name, int Channels, Group Group, IReadOnlyList<SegmentInfo> Segments, IReadOnlyList<AxisBinding> Bindings, IReadOnlyList<string> Reasons)
{
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
