using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Alignment.Matching;

/// <summary>What matching may do on one factor: permute, rescale and flip signs per independent segment.</summary>
internal static class FactorKinds
{
    public static bool Permutes(SymmetryFactor f) => f.Group switch
    {
        ChannelGroup c => c.Permutations,
        MonomialGroup m => m.Permutations,
        _ => false,
    };

    public static bool IsMatrix(SymmetryFactor f) => f.Group is GeneralLinearGroup or OrthogonalGroup;

    /// <summary>Diagonal kind of each independent segment, by segment index (null for dependent segments).</summary>
    public static DiagonalKind?[] SegmentDiagonals(SymmetryFactor f)
    {
        var result = new DiagonalKind?[f.Segments.Count];
        int k = 0;
        foreach (var s in f.Segments)
        {
            if (s.Parent is not null) continue;
            result[s.Index] = f.Group switch
            {
                ChannelGroup c => c.SegmentDiagonals[k],
                MonomialGroup m => m.Diagonal,
                _ => DiagonalKind.None,
            };
            k++;
        }
        return result;
    }

    /// <summary>The independent segment a segment hangs from.</summary>
    public static int Root(SymmetryFactor f, int segment) => f.Segments[segment].Parent is int p ? Root(f, p) : segment;

    /// <summary>
    /// The independent segments whose signs flip this binding's rows (segments that may flip, reached through sign-keeping
    /// φ): none, one, or — for a relative binding (a norm gain, s/t) between two segments that may both flip — two,
    /// whose product of signs then applies.
    /// </summary>
    public static (int? First, int? Second) FlipRoots(SymmetryFactor f, AxisBinding b, DiagonalKind?[] kinds)
    {
        if (b.Rule == AxisRule.PermutationOnly) return (null, null);
        bool Flips(int segment) => f.Segments[segment].Parent is not int p || (f.Segments[segment].Phi switch
        {
            AbsPhi => false,
            PowerPhi q => q.Degree % 2 != 0 && Flips(p),
            _ => Flips(p),
        });
        int? Of(int segment) => Flips(segment) && kinds[Root(f, segment)] is DiagonalKind.Sign or DiagonalKind.Nonzero ? Root(f, segment) : null;
        var own = Of(b.Segment);
        if (b.Rule != AxisRule.Relative || b.ReferenceSegment is not int r) return (own, null);
        var other = Of(r);
        return own == other ? (null, null) : (own, other);
    }

    /// <summary>An element of the factor's group from one permutation and a diagonal per independent segment.</summary>
    public static GroupElement Element(SymmetryFactor f, int[] perm, IReadOnlyDictionary<int, double[]> diagonals)
    {
        int n = f.Channels;
        double[] Diag(int segment) => diagonals.TryGetValue(segment, out var d) ? d : Enumerable.Repeat(1.0, n).ToArray();
        return f.Group switch
        {
            ChannelGroup => new ChannelElement(perm, f.Segments.Where(s => s.Parent is null).Select(s => Diag(s.Index)).ToArray()),
            _ => new MonomialElement(perm, Diag(f.Segments.First(s => s.Parent is null).Index)),
        };
    }
}
