using System.Text;
using Noether.Nn;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Derivation;

/// <summary>
/// The derived weight-space symmetry of a graph: a product of factors, each mapping parameter axes to a group factor
/// (git-re-basin's PermutationSpec, generalised beyond permutations and derived rather than written by hand).
/// </summary>
public sealed record WeightSpaceSpec(string ModelName, IReadOnlyList<SymmetryFactor> Factors, IReadOnlyList<string> Notes)
{
    /// <summary>The whole group as a product of the factors' groups.</summary>
    public ProductGroup Group => new(Factors.Select(f => f.Group).ToArray());

    /// <summary>Sum of the factors' continuous dimensions.</summary>
    public long ContinuousDimension => Factors.Sum(f => f.Group.ContinuousDimension);

    /// <summary>log10 of the order of the finite part (sum over factors).</summary>
    public double Log10FiniteOrder => Factors.Sum(f => f.Group.Log10FiniteOrder);

    /// <summary>A random element of the whole group.</summary>
    public ProductElement Random(Rng rng) => (ProductElement)Group.Random(rng);

    /// <summary>The identity element.</summary>
    public ProductElement Identity => (ProductElement)Group.Identity;

    /// <summary>The factor with the given name.</summary>
    public SymmetryFactor this[string name] => Factors.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"No symmetry factor named '{name}' in {ModelName}");

    /// <inheritdoc />
    public bool Equals(WeightSpaceSpec? other) => other is not null && ModelName == other.ModelName && Factors.SequenceEqual(other.Factors) && Notes.SequenceEqual(other.Notes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ModelName, Factors.Count);

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder($"Symmetry of {ModelName}: {Factors.Count} factors, continuous dimension {ContinuousDimension}, log10 |finite part| = {Log10FiniteOrder:F2}\n");
        foreach (var f in Factors) sb.AppendLine($"  {f}");
        foreach (var n in Notes) sb.AppendLine($"  note: {n}");
        return sb.ToString();
    }
}
