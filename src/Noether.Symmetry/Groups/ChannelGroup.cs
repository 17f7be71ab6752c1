using Noether.Tensors;

namespace Noether.Symmetry.Groups;

/// <summary>
/// An element of a <see cref="ChannelGroup"/>: one permutation shared by every segment and one diagonal per segment.
/// As a matrix it is block-diagonal, with block s equal to P·D_s.
/// </summary>
public sealed record ChannelElement : GroupElement
{
    private readonly int[] _perm;
    private readonly double[][] _scales;

    /// <summary>Creates an element from a permutation and one scale vector per segment.</summary>
    public ChannelElement(int[] perm, IReadOnlyList<double[]> scales)
    {
        _ = new MonomialElement(perm, Enumerable.Repeat(1.0, perm.Length).ToArray()); // validates the permutation
        foreach (var s in scales)
            if (s.Length != perm.Length) throw new ShapeMismatchException("ChannelElement", "a segment's scales differ in length from the permutation", [s.Length], [perm.Length]);
        _perm = (int[])perm.Clone();
        _scales = scales.Select(s => (double[])s.Clone()).ToArray();
    }

    /// <summary>Number of channels.</summary>
    public int Channels => _perm.Length;

    /// <summary>Number of segments.</summary>
    public int Segments => _scales.Length;

    /// <summary>The element's action on one segment, P·D_s.</summary>
    public MonomialElement Segment(int s) => new(_perm, _scales[s]);

    /// <inheritdoc />
    public override int Size => Channels * Segments;

    /// <inheritdoc />
    public override Tensor<double> ToMatrix() => new ProductElement(Enumerable.Range(0, Segments).Select(s => (GroupElement)Segment(s)).ToArray()).ToMatrix();

    /// <inheritdoc />
    public override GroupElement Compose(GroupElement other)
    {
        if (other is not ChannelElement b || b.Channels != Channels || b.Segments != Segments)
            throw new ArgumentException("ChannelElement.Compose: the other element is not from the same channel group");
        var parts = Enumerable.Range(0, Segments).Select(s => (MonomialElement)Segment(s).Compose(b.Segment(s))).ToArray();
        return new ChannelElement(parts.Length > 0 ? parts[0].Perm.ToArray() : _perm, parts.Select(p => p.Scale.ToArray()).ToArray());
    }

    /// <inheritdoc />
    public override GroupElement Inverse()
    {
        var parts = Enumerable.Range(0, Segments).Select(s => (MonomialElement)Segment(s).Inverse()).ToArray();
        var perm = new int[Channels];
        for (int i = 0; i < Channels; i++) perm[_perm[i]] = i;
        return new ChannelElement(perm, parts.Select(p => p.Scale.ToArray()).ToArray());
    }

    /// <inheritdoc />
    public bool Equals(ChannelElement? other) => other is not null && _perm.AsSpan().SequenceEqual(other._perm) && _scales.Length == other._scales.Length
        && _scales.Zip(other._scales).All(t => t.First.AsSpan().SequenceEqual(t.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Channels, Segments);

    /// <inheritdoc />
    public override string ToString() => $"channels({string.Join("; ", Enumerable.Range(0, Segments).Select(s => Segment(s).ToString()))})";
}

/// <summary>
/// The symmetry group of one channel space that several tensors share: permutations act on all of them alike
/// (the channels are aligned by channel-wise ops), while each segment — the stretch between ops that absorb a
/// per-channel scale, such as a norm's affine gain — has its own diagonal group. With one segment this is a
/// <see cref="MonomialGroup"/>.
/// </summary>
public sealed record ChannelGroup(int Channels, bool Permutations, IReadOnlyList<DiagonalKind> SegmentDiagonals) : Group
{
    /// <inheritdoc />
    public override int Size => Channels * SegmentDiagonals.Count;

    /// <inheritdoc />
    public override long ContinuousDimension => SegmentDiagonals.Sum(d => d is DiagonalKind.Positive or DiagonalKind.Nonzero ? (long)Channels : 0);

    /// <inheritdoc />
    public override double Log10FiniteOrder => (Permutations ? Log10Factorial(Channels) : 0)
        + SegmentDiagonals.Sum(d => d is DiagonalKind.Sign or DiagonalKind.Nonzero ? Channels * Math.Log10(2) : 0);

    /// <inheritdoc />
    public override GroupElement Identity => new ChannelElement(Enumerable.Range(0, Channels).ToArray(), SegmentDiagonals.Select(_ => Enumerable.Repeat(1.0, Channels).ToArray()).ToArray());

    /// <inheritdoc />
    public override GroupElement Random(Rng rng)
    {
        var perm = Permutations ? rng.Permutation(Channels) : Enumerable.Range(0, Channels).ToArray();
        var scales = SegmentDiagonals.Select(d => ((MonomialElement)new MonomialGroup(Channels, false, d).Random(rng)).Scale.ToArray()).ToArray();
        return new ChannelElement(perm, scales);
    }

    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
    {
        if (element is not ChannelElement c || c.Channels != Channels || c.Segments != SegmentDiagonals.Count) return false;
        return Enumerable.Range(0, c.Segments).All(s => new MonomialGroup(Channels, Permutations, SegmentDiagonals[s]).Contains(c.Segment(s), tolerance));
    }

    /// <inheritdoc />
    public override Group Intersect(Group other)
    {
        if (other is not ChannelGroup c || c.Channels != Channels || c.SegmentDiagonals.Count != SegmentDiagonals.Count)
            throw new ArgumentException($"Cannot intersect {Name} with {other.Name}");
        return new ChannelGroup(Channels, Permutations && c.Permutations, SegmentDiagonals.Zip(c.SegmentDiagonals, MonomialGroup.Meet).ToArray());
    }

    /// <inheritdoc />
    public override string Name
    {
        get
        {
            var diags = SegmentDiagonals.Where(d => d != DiagonalKind.None).Select(d => new MonomialGroup(Channels, false, d).Name).ToArray();
            string perm = Permutations ? $"S_{Channels}" : "";
            if (diags.Length == 0) return perm.Length > 0 ? perm : $"1({Channels})";
            var d = string.Join(" × ", diags);
            return perm.Length > 0 ? $"{perm} ⋉ ({d})" : d;
        }
    }

    /// <inheritdoc />
    public bool Equals(ChannelGroup? other) => other is not null && Channels == other.Channels && Permutations == other.Permutations && SegmentDiagonals.SequenceEqual(other.SegmentDiagonals);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Channels, Permutations, SegmentDiagonals.Count);
}
