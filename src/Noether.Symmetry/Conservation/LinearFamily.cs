using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>Linear laws: each quantity is Σ c·θ[p][i] over its entries (column sums of a classifier, a weight column).</summary>
public sealed record LinearFamily(string Name, LawKind Kind, IReadOnlyList<string> Names, IReadOnlyList<LinearEntry[]> Quantities) : LawFamily(Name, Kind)
{
    /// <inheritdoc />
    public override LawDegree Degree => LawDegree.Linear;

    /// <inheritdoc />
    public override int Count => Quantities.Count;

    /// <inheritdoc />
    public override IReadOnlyCollection<string> Parameters => Quantities.SelectMany(q => q.Select(e => e.Parameter)).Distinct().ToArray();

    /// <inheritdoc />
    public override string QuantityName(int index) => Names[index];

    /// <inheritdoc />
    public override double[] Evaluate(IReadOnlyDictionary<string, Tensor<double>> parameters) => Collect(parameters, absolute: false);

    /// <inheritdoc />
    public override double[] Scale(IReadOnlyDictionary<string, Tensor<double>> parameters) => Collect(parameters, absolute: true);

    private double[] Collect(IReadOnlyDictionary<string, Tensor<double>> parameters, bool absolute)
    {
        var cache = new Dictionary<string, Tensor<double>?>();
        var result = new double[Count];
        for (int q = 0; q < Count; q++)
        {
            double s = 0;
            foreach (var e in Quantities[q])
            {
                if (!cache.TryGetValue(e.Parameter, out var t)) cache[e.Parameter] = t = Find(parameters, e.Parameter);
                if (t is null) continue;
                double v = e.Coefficient * t.Span[e.Index];
                s += absolute ? Math.Abs(v) : v;
            }
            result[q] = s;
        }
        return result;
    }

    /// <inheritdoc />
    public bool Equals(LinearFamily? other) => other is not null && Name == other.Name && Kind == other.Kind && Names.SequenceEqual(other.Names)
        && Quantities.Zip(other.Quantities).All(t => t.First.AsSpan().SequenceEqual(t.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Kind, Count);
}
