using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// Quadratic laws M = Σ_terms c·R·Rᵀ over n channels: its diagonal (scalings: one law per unit), every entry on and
/// above the diagonal (GL(n): the symmetric generators), or the trace (one scale shared by every channel).
/// </summary>
public sealed record QuadraticFamily(string Name, LawKind Kind, int Channels, QuadraticShape Shape, IReadOnlyList<RowTerm> Terms) : LawFamily(Name, Kind)
{
    /// <inheritdoc />
    public override LawDegree Degree => LawDegree.Quadratic;

    /// <inheritdoc />
    public override int Count => Shape switch
    {
        QuadraticShape.Diagonal => Channels,
        QuadraticShape.Symmetric => Channels * (Channels + 1) / 2,
        _ => 1,
    };

    /// <inheritdoc />
    public override IReadOnlyCollection<string> Parameters => Terms.Select(t => t.Parameter).Distinct().ToArray();

    /// <inheritdoc />
    public override string QuantityName(int index)
    {
        switch (Shape)
        {
            case QuadraticShape.Diagonal: return $"{Name}[{index}]";
            case QuadraticShape.Trace: return Name;
            default:
                var (i, j) = Entry(index);
                return $"{Name}[{i},{j}]";
        }
    }

    /// <summary>Row and column of symmetric entry <paramref name="index"/> (upper triangle, row-major).</summary>
    public (int Row, int Column) Entry(int index)
    {
        int i = 0;
        while (index >= Channels - i) { index -= Channels - i; i++; }
        return (i, i + index);
    }

    /// <inheritdoc />
    public override double[] Evaluate(IReadOnlyDictionary<string, Tensor<double>> parameters) => Collect(parameters, absolute: false);

    /// <inheritdoc />
    public override double[] Scale(IReadOnlyDictionary<string, Tensor<double>> parameters) => Collect(parameters, absolute: true);

    private double[] Collect(IReadOnlyDictionary<string, Tensor<double>> parameters, bool absolute)
    {
        int n = Channels;
        if (Shape != QuadraticShape.Symmetric)
        {
            var diag = new double[n];
            foreach (var term in Terms)
                if (Find(parameters, term.Parameter) is { } t) RowGram.AddDiagonal(t, term, absolute ? Math.Abs(term.Coefficient) : term.Coefficient, diag);
            return Shape == QuadraticShape.Trace ? [diag.Sum()] : diag;
        }
        var m = new double[n * n];
        foreach (var term in Terms)
        {
            if (Find(parameters, term.Parameter) is not { } t) continue;
            var g = RowGram.Full(t, term, n);
            double c = absolute ? Math.Abs(term.Coefficient) : term.Coefficient;
            if (absolute)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) g[i * n + j] = Math.Sqrt(g[i * n + i] * g[j * n + j]);
            TensorPrimitives.MultiplyAdd(g, c, m, m);
        }
        var result = new double[Count];
        for (int i = 0, k = 0; i < n; i++)
            for (int j = i; j < n; j++) result[k++] = m[i * n + j];
        return result;
    }

    /// <inheritdoc />
    public bool Equals(QuadraticFamily? other) => other is not null && Name == other.Name && Kind == other.Kind && Channels == other.Channels
        && Shape == other.Shape && Terms.SequenceEqual(other.Terms) && Exact == other.Exact;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Kind, Channels, Shape);
}

/// <summary>Which entries of a quadratic family's matrix are laws.</summary>
public enum QuadraticShape
{
    /// <summary>The diagonal: one law per channel (diagonal scalings).</summary>
    Diagonal,
    /// <summary>Every entry on and above the diagonal (the symmetric part of gl(n)).</summary>
    Symmetric,
    /// <summary>The trace: one law (a single scale acting on every channel).</summary>
    Trace,
}
