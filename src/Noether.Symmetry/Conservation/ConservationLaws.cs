using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Conservation;

/// <summary>
/// Noether's theorem for a derived symmetry (SPEC §2): each symmetric generator X of a continuous factor's Lie algebra
/// gives the conserved quantity Q_X(θ) = ⟨X, Σ_covariant W Wᵀ − Σ_contravariant W Wᵀ⟩ on that space, since its gradient
/// X·θ is the generator's velocity, orthogonal to ∇L. Diagonal scalings give one law per unit, GL(n) one per entry of the
/// symmetric matrix, O(n) (skew generators) none. Softmax translation and normalisation invariances add their laws.
/// </summary>
public static class ConservationLaws
{
    /// <summary>Derives the symmetry of <paramref name="graph"/> and every conserved quantity it implies.</summary>
    public static ConservedQuantities Derive(Graph graph, ConservationOptions? options = null) => Derive(graph, SymmetryDeriver.Derive(graph), options);

    /// <summary>Every conserved quantity implied by <paramref name="spec"/> (derived from <paramref name="graph"/>) and the loss.</summary>
    public static ConservedQuantities Derive(Graph graph, WeightSpaceSpec spec, ConservationOptions? options = null)
    {
        options ??= ConservationOptions.Default;
        var notes = new List<string>();
        var families = new List<LawFamily>();
        foreach (var factor in spec.Factors) families.AddRange(FromFactor(factor, notes));
        if (options.Loss == TrainingLoss.CrossEntropy) families.AddRange(NormLaws.SoftmaxTranslation(graph, notes));
        families.AddRange(NormLaws.Normalisations(graph, options.TrainingModeNorms, notes));
        var frozen = new HashSet<string>(graph.Parameters.Where(p => !p.Trainable).Select(p => p.Name));
        if (options.Frozen is not null) frozen.UnionWith(options.Frozen);
        var kept = new List<LawFamily>();
        foreach (var f in families)
        {
            var moved = f.Parameters.Where(frozen.Contains).ToArray();
            if (moved.Length == 0) kept.Add(f);
            else notes.Add($"{f.Name}: its symmetry also moves {string.Join(", ", moved)}, which {(moved.Length == 1 ? "is" : "are")} not trained: no conserved quantity");
        }
        return new ConservedQuantities(graph.Name, kept, notes);
    }

    private static IEnumerable<LawFamily> FromFactor(SymmetryFactor factor, List<string> notes)
    {
        switch (factor.Group)
        {
            case OrthogonalGroup:
                notes.Add($"{factor.Name}: {factor.Group} has only skew (rotation) generators: no conserved quantity");
                yield break;
            case GeneralLinearGroup:
                yield return new QuadraticFamily(factor.Name, LawKind.Balance, factor.Channels, QuadraticShape.Symmetric, Terms(factor, 0).ToArray())
                { Origin = string.Join("; ", factor.Reasons) };
                yield break;
            case MonomialGroup m when Continuous(m.Diagonal):
                yield return Rescaling(factor, factor.Name, 0);
                yield break;
            case ChannelGroup c:
                var independent = factor.Segments.Where(s => s.Parent is null).ToList();
                for (int k = 0; k < independent.Count; k++)
                {
                    if (!Continuous(c.SegmentDiagonals[k])) continue;
                    string name = independent.Count(s => Continuous(c.SegmentDiagonals[independent.IndexOf(s)])) > 1
                        ? $"{factor.Name}/{independent[k].Values[0]}" : factor.Name;
                    yield return Rescaling(factor, name, independent[k].Index);
                }
                yield break;
        }
    }

    private static bool Continuous(DiagonalKind d) => d is DiagonalKind.Positive or DiagonalKind.Nonzero;

    private static QuadraticFamily Rescaling(SymmetryFactor factor, string name, int segment) =>
        new(name, LawKind.Rescaling, factor.Channels, QuadraticShape.Diagonal, Terms(factor, segment).ToArray()) { Origin = string.Join("; ", factor.Reasons) };

    /// <summary>
    /// The terms of the generator that acts on independent segment <paramref name="segment"/>: each binding contributes
    /// ±(dφ at the identity) — +1 covariant, −1 contravariant, the difference for relative bindings, 0 for statistics.
    /// </summary>
    private static IEnumerable<RowTerm> Terms(SymmetryFactor factor, int segment)
    {
        foreach (var b in factor.Bindings)
        {
            double c = b.Rule switch
            {
                AxisRule.Covariant => Rate(factor, b.Segment, segment),
                AxisRule.Contravariant => -Rate(factor, b.Segment, segment),
                AxisRule.Relative => Rate(factor, b.Segment, segment) - (b.ReferenceSegment is int r ? Rate(factor, r, segment) : 0),
                _ => 0,
            };
            c *= Rate(b.Phi);
            if (c != 0) yield return new RowTerm(b.Parameter, b.Axis, b.Offset, b.BlockSize, c);
        }
    }

    /// <summary>d(log of segment <paramref name="of"/>'s scale)/d(log of segment <paramref name="wrt"/>'s scale) at the identity.</summary>
    private static double Rate(SymmetryFactor factor, int of, int wrt)
    {
        if (of == wrt) return 1;
        var info = factor.Segments[of];
        return info.Parent is int p ? Rate(info.Phi) * Rate(factor, p, wrt) : 0;
    }

    /// <summary>The derivative of φ on diagonals at the identity: D ↦ D^k has rate k, |D| rate 1.</summary>
    private static double Rate(PhiMap phi) => phi switch
    {
        PowerPhi p => p.Degree,
        _ => 1,
    };
}
