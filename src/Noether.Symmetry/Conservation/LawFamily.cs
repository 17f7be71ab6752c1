using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// A family of conserved quantities that one symmetry implies (one factor of the derived group, one classifier, one
/// norm). Evaluated on any parameter dictionary — weights, gradients or steps alike; a missing parameter counts as
/// zero (buffers have no gradient).
/// </summary>
public abstract record LawFamily(string Name, LawKind Kind)
{
    /// <summary>Linear or quadratic in θ.</summary>
    public abstract LawDegree Degree { get; }

    /// <summary>Number of quantities.</summary>
    public abstract int Count { get; }

    /// <summary>Parameters the family reads.</summary>
    public abstract IReadOnlyCollection<string> Parameters { get; }

    /// <summary>
    /// False when the symmetry holds only approximately (a normalisation with ε &gt; 0); the exact identities then
    /// hold only up to that defect.
    /// </summary>
    public bool Exact { get; init; } = true;

    /// <summary>Why the family exists (the derivation's reason), for reports.</summary>
    public string Origin { get; init; } = "";

    /// <summary>Readable name of quantity <paramref name="index"/> (factor, unit or entry, head).</summary>
    public abstract string QuantityName(int index);

    /// <summary>The quantities at the given parameters.</summary>
    public abstract double[] Evaluate(IReadOnlyDictionary<string, Tensor<double>> parameters);

    /// <summary>
    /// Per quantity, the sum of the absolute values of its terms: the natural scale against which drift is relative
    /// (a balance law whose terms cancel stays measurable).
    /// </summary>
    public abstract double[] Scale(IReadOnlyDictionary<string, Tensor<double>> parameters);

    /// <summary>The exact change of the quantities under θ ← θ − η·g with g = <paramref name="gradient"/>.</summary>
    public double[] PredictedStepChange(IReadOnlyDictionary<string, Tensor<double>> gradient, double lr)
    {
        var q = Evaluate(gradient);
        double factor = Degree == LawDegree.Quadratic ? lr * lr : -lr;
        for (int i = 0; i < q.Length; i++) q[i] *= factor;
        return q;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} {Degree.ToString().ToLowerInvariant()} {KindLabel(Kind)} law{(Count == 1 ? "" : "s")}{(Exact ? "" : " (approximate)")}";

    /// <summary>Short label of a kind, as used in reports.</summary>
    public static string KindLabel(LawKind kind) => kind switch
    {
        LawKind.Rescaling => "rescaling",
        LawKind.Balance => "balance",
        LawKind.SoftmaxTranslation => "softmax translation",
        LawKind.NormScale => "norm scale",
        LawKind.NormTranslation => "norm translation",
        LawKind.ConstantInput => "constant input",
        _ => kind.ToString(),
    };

    /// <summary>The parameter as a contiguous tensor, or null when absent.</summary>
    private protected static Tensor<double>? Find(IReadOnlyDictionary<string, Tensor<double>> parameters, string name) =>
        parameters.TryGetValue(name, out var t) ? t.Contiguous() : null;
}
