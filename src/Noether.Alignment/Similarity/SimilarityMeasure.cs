using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Similarity;

/// <summary>
/// A measure of similarity between two representations (features of the same samples), 1 when they are equal up to the
/// measure's group and smaller otherwise. Each measure is invariant to exactly its group (see <see cref="Invariance"/>);
/// <see cref="For"/> picks the one matching a hidden space's derived symmetry group.
/// </summary>
public abstract class SimilarityMeasure
{
    /// <summary>Linear CKA with the biased HSIC (centred Gram matrices).</summary>
    public static SimilarityMeasure Cka { get; } = new LinearCka();

    /// <summary>Linear CKA with the unbiased HSIC (Song et al. 2012); needs at least 4 samples.</summary>
    public static SimilarityMeasure CkaDebiased { get; } = new DebiasedCka();

    /// <summary>Orthogonal Procrustes similarity 1 − d.</summary>
    public static SimilarityMeasure Procrustes { get; } = new OrthogonalProcrustes();

    /// <summary>G_ReLU-Procrustes: channels normalised, matched by the Hungarian algorithm.</summary>
    public static SimilarityMeasure GReluProcrustes { get; } = new GReluProcrustes();

    /// <summary>G_ReLU-CKA: CKA of the max-over-channels kernel of per-channel-normalised features.</summary>
    public static SimilarityMeasure GReluCka { get; } = new GReluCka();

    /// <summary>Permutation-only Procrustes: channels matched without rescaling.</summary>
    public static SimilarityMeasure PermProcrustes { get; } = new PermutationProcrustes();

    /// <summary>Every measure, in the order of the CLI's <c>--measure</c> choices.</summary>
    public static IReadOnlyList<SimilarityMeasure> All { get; } = [Cka, CkaDebiased, Procrustes, GReluProcrustes, GReluCka, PermProcrustes];

    /// <summary>Short name (the CLI's <c>--measure</c> value), e.g. <c>grelu-procrustes</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The transformations of either representation the measure ignores, e.g. "P·D, D > 0".</summary>
    public abstract string Invariance { get; }

    /// <summary>Fewest samples the measure is defined for.</summary>
    public virtual int MinimumSamples => 2;

    /// <summary>Starts accumulating features of <paramref name="channelsA"/> and <paramref name="channelsB"/> channels.</summary>
    public abstract SimilarityAccumulator Start(int channelsA, int channelsB);

    /// <summary>The similarity of two feature tensors of the same samples (batch first; conv pixels fold into samples).</summary>
    /// <exception cref="ShapeMismatchException">The sample counts differ (the message names both shapes).</exception>
    /// <exception cref="InvalidOperationException">Fewer samples than <see cref="MinimumSamples"/>.</exception>
    public double Compute(Tensor<double> a, Tensor<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0 || a.Dim(0) != b.Dim(0))
            throw new ShapeMismatchException(Name, "features A and B must hold the same samples (equal leading axes)", a.ShapeArray(), b.ShapeArray());
        var acc = Start(FeatureRows.Channels(a), FeatureRows.Channels(b));
        acc.Add(a, b);
        return acc.Value();
    }

    /// <summary>The measure named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such measure; the message lists the names.</exception>
    public static SimilarityMeasure Parse(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown similarity measure '{name}' (expected {string.Join(", ", All.Select(m => m.Name))})");

    /// <summary>
    /// The measure whose invariance matches <paramref name="group"/>, a hidden space's derived symmetry: permutations
    /// with positive scales (ReLU) → G_ReLU-Procrustes; permutations alone → permutation Procrustes; permutations with
    /// signs or any non-zero scales → G_ReLU-CKA (invariant to P·D for every invertible diagonal D); O(n) →
    /// orthogonal Procrustes; anything else (GL, rotations) → linear CKA. See <see cref="Why"/>.
    /// </summary>
    public static SimilarityMeasure For(Group group) => Choose(group).Measure;

    /// <summary>Why <see cref="For"/> picks its measure for <paramref name="group"/>, in one sentence.</summary>
    public static string Why(Group group) => Choose(group).Reason;

    private static (SimilarityMeasure Measure, string Reason) Choose(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        (bool Perms, DiagonalKind Diagonal)? monomial = group switch
        {
            MonomialGroup m => (m.Permutations, m.Diagonal),
            ChannelGroup c => (c.Permutations, c.SegmentDiagonals.Aggregate(DiagonalKind.Nonzero, Meet)),
            _ => null,
        };
        if (monomial is var (perms, diag))
            return diag switch
            {
                DiagonalKind.Positive => (GReluProcrustes, $"{group.Name} is permutations times positive scales, exactly G_ReLU-Procrustes' invariance"),
                DiagonalKind.Sign or DiagonalKind.Nonzero => (GReluCka, $"{group.Name} flips signs; G_ReLU-CKA ignores P·D for any invertible D, the smallest listed measure that covers it"),
                _ when perms => (PermProcrustes, $"{group.Name} only permutes, exactly permutation Procrustes' invariance"),
                _ => (PermProcrustes, $"{group.Name} is trivial; permutation Procrustes is the least invariant measure available"),
            };
        return group switch
        {
            OrthogonalGroup => (Procrustes, $"{group.Name} is orthogonal, exactly orthogonal Procrustes' invariance"),
            _ => (Cka, $"no listed measure is invariant to {group.Name}; linear CKA (orthogonal maps and isotropic scale) is the most invariant one"),
        };
    }

    /// <summary>The diagonal kind every segment admits (None ⊂ Positive, Sign ⊂ Nonzero).</summary>
    private static DiagonalKind Meet(DiagonalKind a, DiagonalKind b) =>
        a == b ? a : a == DiagonalKind.Nonzero ? b : b == DiagonalKind.Nonzero ? a : DiagonalKind.None;

    /// <inheritdoc />
    public override string ToString() => Name;
}
