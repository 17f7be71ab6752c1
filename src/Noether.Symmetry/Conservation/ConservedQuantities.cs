using System.Text;
using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// Every conserved quantity a model's symmetries imply for training, grouped in families, with notes on the
/// symmetries that give none (rotations, discrete groups, frozen parameters).
/// </summary>
public sealed record ConservedQuantities(string ModelName, IReadOnlyList<LawFamily> Families, IReadOnlyList<string> Notes)
{
    /// <summary>Total number of quantities.</summary>
    public int Count => Families.Sum(f => f.Count);

    /// <summary>The family with the given name.</summary>
    public LawFamily this[string name] => Families.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"No conserved-quantity family named '{name}' in {ModelName}");

    /// <summary>Every family's quantities at the given parameters (one array per family, in order).</summary>
    public double[][] Evaluate(IReadOnlyDictionary<string, Tensor<double>> parameters) => Families.Select(f => f.Evaluate(parameters)).ToArray();

    /// <summary>The families of one kind.</summary>
    public IEnumerable<LawFamily> OfKind(LawKind kind) => Families.Where(f => f.Kind == kind);

    /// <summary>The same set restricted to families matching <paramref name="keep"/>.</summary>
    public ConservedQuantities Where(Func<LawFamily, bool> keep) => this with { Families = Families.Where(keep).ToArray() };

    /// <inheritdoc />
    public bool Equals(ConservedQuantities? other) => other is not null && ModelName == other.ModelName && Families.SequenceEqual(other.Families) && Notes.SequenceEqual(other.Notes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ModelName, Families.Count);

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder($"Conserved quantities of {ModelName}: {Count} in {Families.Count} families\n");
        foreach (var f in Families) sb.AppendLine($"  {f}");
        foreach (var n in Notes) sb.AppendLine($"  note: {n}");
        return sb.ToString();
    }
}
