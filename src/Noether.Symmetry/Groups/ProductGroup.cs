using Noether.Tensors;

namespace Noether.Symmetry.Groups;

/// <summary>A tuple of elements, one per factor of a <see cref="ProductGroup"/>, acting block-diagonally.</summary>
public sealed record ProductElement(IReadOnlyList<GroupElement> Factors) : GroupElement
{
    /// <inheritdoc />
    public override int Size => Factors.Sum(f => f.Size);

    /// <inheritdoc />
    public override Tensor<double> ToMatrix()
    {
        var m = new Tensor<double>(Size, Size);
        int at = 0;
        foreach (var f in Factors)
        {
            m.Slice(0, at, at + f.Size).Slice(1, at, at + f.Size).CopyFrom(f.ToMatrix());
            at += f.Size;
        }
        return m;
    }

    /// <inheritdoc />
    public override GroupElement Compose(GroupElement other)
    {
        if (other is not ProductElement p || p.Factors.Count != Factors.Count)
            throw new ArgumentException("ProductElement.Compose: the other element is not from the same product group");
        return new ProductElement(Factors.Zip(p.Factors, (a, b) => a.Compose(b)).ToArray());
    }

    /// <inheritdoc />
    public override GroupElement Inverse() => new ProductElement(Factors.Select(f => f.Inverse()).ToArray());

    /// <inheritdoc />
    public bool Equals(ProductElement? other) => other is not null && Factors.SequenceEqual(other.Factors);

    /// <inheritdoc />
    public override int GetHashCode() => Factors.Count;

    /// <inheritdoc />
    public override string ToString() => $"({string.Join(", ", Factors)})";
}

/// <summary>The direct product of groups acting on a direct sum of spaces.</summary>
public sealed record ProductGroup(IReadOnlyList<Group> Factors) : Group
{
    /// <inheritdoc />
    public override int Size => Factors.Sum(f => f.Size);
    /// <inheritdoc />
    public override long ContinuousDimension => Factors.Sum(f => f.ContinuousDimension);
    /// <inheritdoc />
    public override double Log10FiniteOrder => Factors.Sum(f => f.Log10FiniteOrder);
    /// <inheritdoc />
    public override GroupElement Identity => new ProductElement(Factors.Select(f => f.Identity).ToArray());
    /// <inheritdoc />
    public override GroupElement Random(Rng rng) => new ProductElement(Factors.Select(f => f.Random(rng)).ToArray());
    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
        => element is ProductElement p && p.Factors.Count == Factors.Count && Factors.Zip(p.Factors).All(t => t.First.Contains(t.Second, tolerance));
    /// <inheritdoc />
    public override Group Intersect(Group other)
    {
        if (other is not ProductGroup p || p.Factors.Count != Factors.Count || Factors.Zip(p.Factors).Any(t => t.First.Size != t.Second.Size))
            throw new ArgumentException($"Cannot intersect {Name} with {other.Name}: the factor structures differ");
        return new ProductGroup(Factors.Zip(p.Factors, (a, b) => a.Intersect(b)).ToArray());
    }
    /// <inheritdoc />
    public override string Name => string.Join(" × ", Factors.Select(f => f.Name));
    /// <inheritdoc />
    public bool Equals(ProductGroup? other) => other is not null && Factors.SequenceEqual(other.Factors);
    /// <inheritdoc />
    public override int GetHashCode() => Factors.Count;
}
