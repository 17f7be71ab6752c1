using Noether.Alignment.Matching;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>Which weights describe a hidden unit.</summary>
public enum UnitView
{
    /// <summary>The gate projection's row (gated MLPs).</summary>
    Gate,
    /// <summary>The up (input) projection's row.</summary>
    Up,
    /// <summary>The down (output) projection's column.</summary>
    Down,
}

/// <summary>
/// The rows that describe each hidden unit of an MLP in the reference (A's) stream coordinates, scaled to unit norm,
/// from weights read one tensor at a time: norm gains folded into the reading projections (so norm folding and the
/// gain's rescalings do not matter), B's residual stream moved by its fitted <see cref="StreamMap"/>, and whether the
/// derived group lets a unit flip its sign in this view (then matching compares |cos|).
/// </summary>
public static class UnitViews
{
    /// <summary>Unit rows [m, d] of one view, in A's stream coordinates, unit norm.</summary>
    public static Tensor<float> Rows(IParameterSource source, MlpBlock block, UnitView view, StreamMap map)
    {
        string name = Parameter(block, view) ?? throw new ArgumentException($"{source.Name}: MLP {block.Index} has no {view} projection");
        var w = source.Read(name);
        int expectedRows = view == UnitView.Down ? block.Width : block.Units, expectedCols = view == UnitView.Down ? block.Units : block.Width;
        if (w.Rank != 2 || w.Dim(0) != expectedRows || w.Dim(1) != expectedCols)
            throw new ShapeMismatchException($"{source.Name}: '{name}'", $"expected [{expectedRows}, {expectedCols}] for MLP {block.Index}", w.ShapeArray());
        if (view == UnitView.Down) w = w.Transpose().Contiguous();
        else if (block.NormGain is { } gainName)
        {
            var gain = source.Read(gainName);
            if (gain.Rank != 1 || gain.Dim(0) != block.Width)
                throw new ShapeMismatchException($"{source.Name}: '{gainName}'", $"a norm gain of {block.Width} entries expected", gain.ShapeArray());
            // Column j × γ_j, in place (w is this call's own copy): the effective weight the unit applies to the normalised stream.
            var span = w.Span;
            var g = gain.Span;
            for (int r = 0; r < block.Units; r++) System.Numerics.Tensors.TensorPrimitives.Multiply(span.Slice(r * block.Width, block.Width), g, span.Slice(r * block.Width, block.Width));
        }
        var moved = map.Apply(w, reads: view != UnitView.Down);
        return UnitMatching.NormaliseInPlace(ReferenceEquals(moved, w) ? w : moved.Contiguous());
    }

    /// <summary>The parameter holding a view.</summary>
    public static string? Parameter(MlpBlock block, UnitView view) => view switch
    {
        UnitView.Gate => block.Gate,
        UnitView.Up => block.Up,
        _ => block.Down,
    };

    /// <summary>Whether the derived group lets the units flip sign in this view (so matching compares |cos|).</summary>
    public static bool MayFlip(WeightSpaceSpec spec, MlpBlock block, UnitView view)
    {
        string? name = Parameter(block, view);
        int axis = view == UnitView.Down ? 1 : 0;
        foreach (var f in spec.Factors)
            foreach (var b in f.Bindings)
                if (b.Parameter == name && b.Axis == axis && b.Offset == 0 && b.BlockSize == 1)
                    return FactorKinds.SegmentDiagonals(f)[FactorKinds.Root(f, b.Segment)] is DiagonalKind.Sign or DiagonalKind.Nonzero;
        return false;
    }
}
