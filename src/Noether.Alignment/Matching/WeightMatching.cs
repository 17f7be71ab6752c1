using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>Settings of <see cref="WeightMatching.Align"/>.</summary>
/// <param name="MaxSweeps">Upper bound on coordinate-descent sweeps over the factors.</param>
/// <param name="Seed">Seed of the factor order in each sweep and of the verification inputs.</param>
/// <param name="VerifyTolerance">Largest relative output change accepted between B and aligned B (float64).</param>
public sealed record AlignmentOptions(int MaxSweeps = 50, ulong Seed = 0, double VerifyTolerance = 1e-8)
{
    /// <summary>
    /// How matched units are rescaled: <see cref="ScalePolicy.MatchA"/> gives each unit the norm of its partner in A
    /// (pre-activations of both models then have comparable scales — best for interpolation and merging);
    /// <see cref="ScalePolicy.NearestToA"/> picks the scale that minimises ‖θ_A − θ_B‖.
    /// </summary>
    public ScalePolicy Scales { get; init; } = ScalePolicy.MatchA;

    /// <summary>Factors whose permutation stays as it is (e.g. already matched on activations).</summary>
    public IReadOnlySet<string>? KeepPermutations { get; init; }
}

/// <summary>How <see cref="WeightMatching"/> rescales matched units (both are exact on an orbit).</summary>
public enum ScalePolicy
{
    /// <summary>Incoming rows get the norm of A's partner unit.</summary>
    MatchA,
    /// <summary>The scale that brings B's unit nearest to A's (least squares in log-scale).</summary>
    NearestToA,
}

/// <summary>How one factor was aligned.</summary>
/// <param name="Factor">Factor name.</param>
/// <param name="Method">"permutation", "signed permutation", "least squares (GL)", "Procrustes (O)" or "scale only".</param>
/// <param name="Channels">Channels of the factor.</param>
/// <param name="Moved">Channels whose partner is not the channel with the same index.</param>
public sealed record FactorAlignment(string Factor, string Method, int Channels, int Moved);

/// <summary>The result of aligning B to A: B moved along its orbit (same function), as close to A as matching gets it.</summary>
/// <param name="Aligned">B after the group element.</param>
/// <param name="Factors">Per factor, what was done.</param>
/// <param name="Sweeps">Coordinate-descent sweeps run.</param>
/// <param name="Check">Outputs of B against aligned B on random inputs.</param>
/// <param name="DistanceBefore">‖θ_A − θ_B‖ over every parameter.</param>
/// <param name="DistanceAfter">‖θ_A − θ_aligned‖.</param>
public sealed record AlignmentResult(Model<double> Aligned, IReadOnlyList<FactorAlignment> Factors, int Sweeps, FunctionComparison Check,
    double DistanceBefore, double DistanceAfter);

/// <summary>
/// Weight matching on the derived symmetry group (Git Re-Basin's coordinate descent, generalised): units of every
/// rescalable segment are first normalised (incoming rows of unit norm) in both models, so that units are compared up to
/// scale; each permutation factor in random order then solves a linear assignment against B moved by all other factors
/// (GL factors by least squares, O by Procrustes in between), until a sweep changes nothing. Matched units are then
/// rescaled by <see cref="AlignmentOptions.Scales"/>. The aligned model is checked to compute B's function — a wrong
/// alignment is an error, never a result.
/// </summary>
public static class WeightMatching
{
    /// <summary>Aligns <paramref name="b"/> to <paramref name="a"/> (same architecture).</summary>
    public static AlignmentResult Align(Model<double> a, Model<double> b, WeightSpaceSpec? spec = null, AlignmentOptions? options = null,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        options ??= new AlignmentOptions();
        ArchitectureCheck.RequireSame(a, b);
        spec ??= SymmetryDeriver.Derive(a.Graph, null, cancel);
        var targets = new Dictionary<(int, int), double>();
        var sA = ScaleNormalisation.Of(a, spec, targets);
        var sB = ScaleNormalisation.Of(b, spec, targets);
        var na = GroupAction.Apply(a, spec, sA, true, cancel);
        var nb = GroupAction.Apply(b, spec, sB, true, cancel);
        var g = spec.Factors.Select(f => f.Group.Identity).ToArray();
        var methods = new string[spec.Factors.Count];
        var permFactors = Enumerable.Range(0, spec.Factors.Count)
            .Where(k => FactorKinds.Permutes(spec.Factors[k]) && options.KeepPermutations?.Contains(spec.Factors[k].Name) != true).ToList();
        var matrixFactors = Enumerable.Range(0, spec.Factors.Count).Where(k => FactorKinds.IsMatrix(spec.Factors[k])).ToList();
        var rng = new Rng(options.Seed);
        int sweeps = 0;
        for (bool changed = true; changed && sweeps < options.MaxSweeps;)
        {
            cancel.ThrowIfCancellationRequested();
            changed = false;
            sweeps++;
            // The first sweep goes in graph order and compares only parameters whose other axes are free or already
            // aligned, which starts coordinate descent at the exact answer when B is on A's orbit.
            foreach (int k in sweeps == 1 ? permFactors : Shuffle(permFactors, rng))
            {
                cancel.ThrowIfCancellationRequested();
                var f = spec.Factors[k];
                progress?.Report($"sweep {sweeps}: {f.Name}");
                var cost = MatchingCost.For(f, na, Without(nb, spec, g, k), sweeps == 1 ? x => Ready(spec, k, x) : null);
                var perm = LinearAssignment.Solve<double>(cost.Values, f.Channels, f.Channels, maximize: true).RowToColumn;
                var current = CurrentPermutation(g[k], f.Channels);
                double before = cost.Objective(current), after = cost.Objective(perm);
                bool better = after > before + 1e-12 * Math.Max(1, Math.Abs(before));
                var chosen = better ? perm : current;
                changed |= better;
                g[k] = FactorKinds.Element(f, chosen, cost.Signs(chosen));
                methods[k] = cost.HasSigns ? "signed permutation" : "permutation";
            }
            foreach (int k in matrixFactors)
            {
                var f = spec.Factors[k];
                g[k] = MatrixAlignment.For(f, na, Without(nb, spec, g, k));
                methods[k] = f.Group is OrthogonalGroup ? "Procrustes (O)" : "least squares (GL)";
            }
        }
        var aligned = options.Scales == ScalePolicy.MatchA
            ? GroupAction.Apply(GroupAction.Apply(GroupAction.Apply(b, spec, sB), spec, new ProductElement(g)), spec, (ProductElement)sA.Inverse())
            : Nearest(a, b, spec, g, matrixFactors);
        var x = Tensor<double>.RandomNormal(new Rng(options.Seed ^ 0xA11CE), [8, .. a.Graph.Inputs[0].Shape]);
        var check = FunctionComparison.Of(b, aligned, x);
        if (!check.Within(options.VerifyTolerance))
            throw new InvalidOperationException($"Alignment of {b.Graph.Name} changed its function (relative output change {check.MaxRelDiff:E2} > {options.VerifyTolerance:E0}); the result was discarded");
        var factors = spec.Factors.Select((f, k) => new FactorAlignment(f.Name, methods[k] ?? "scale only", f.Channels,
            g[k] is MonomialElement or ChannelElement ? CountMoved(CurrentPermutation(g[k], f.Channels)) : 0)).ToArray();
        return new AlignmentResult(aligned, factors, sweeps, check, Distance(a, b), Distance(a, aligned));
    }

    /// <summary>
    /// B moved by its matched permutations and signs, each unit rescaled to the positive scale nearest to A
    /// (<see cref="ScaleFit"/>), then each GL/O factor aligned against A (least squares / Procrustes).
    /// </summary>
    private static Model<double> Nearest(Model<double> a, Model<double> b, WeightSpaceSpec spec, GroupElement[] g, List<int> matrixFactors)
    {
        var permutationsAndSigns = new ProductElement(g.Select((e, k) => FactorKinds.IsMatrix(spec.Factors[k]) ? spec.Factors[k].Group.Identity : e).ToArray());
        var aligned = GroupAction.Apply(b, spec, permutationsAndSigns);
        aligned = GroupAction.Apply(aligned, spec, ScaleFit.Of(a, aligned, spec));
        foreach (int k in matrixFactors)
        {
            var single = spec.Factors.Select(f => f.Group.Identity).ToArray();
            single[k] = MatrixAlignment.For(spec.Factors[k], a, aligned);
            g[k] = single[k];
            aligned = GroupAction.Apply(aligned, spec, new ProductElement(single));
        }
        return aligned;
    }

    /// <summary>
    /// Whether binding <paramref name="b"/> of factor <paramref name="k"/> can be compared in the first sweep: every other
    /// axis of its parameter is free or bound only by factors before it in graph order (already aligned).
    /// </summary>
    private static bool Ready(WeightSpaceSpec spec, int k, AxisBinding b)
    {
        for (int j = 0; j < spec.Factors.Count; j++)
        {
            if (j < k && FactorKinds.Permutes(spec.Factors[j])) continue;
            if (spec.Factors[j].Bindings.Any(o => o.Parameter == b.Parameter && (j != k || o.Axis != b.Axis))) return false;
        }
        return true;
    }

    /// <summary>‖θ_A − θ_B‖₂ over every parameter.</summary>
    public static double Distance(Model<double> a, Model<double> b) =>
        Math.Sqrt(a.Parameters.Sum(p => { var d = (p.Value - b[p.Key]).ToArray(); return d.Sum(v => v * v); }));

    private static Model<double> Without(Model<double> b, WeightSpaceSpec spec, GroupElement[] g, int k)
    {
        var parts = (GroupElement[])g.Clone();
        parts[k] = spec.Factors[k].Group.Identity;
        return GroupAction.Apply(b, spec, new ProductElement(parts));
    }

    private static int[] CurrentPermutation(GroupElement e, int n) => e switch
    {
        MonomialElement m => m.Perm.ToArray(),
        ChannelElement c => c.Segment(0).Perm.ToArray(),
        _ => Enumerable.Range(0, n).ToArray(),
    };

    private static int CountMoved(int[] perm) => perm.Where((p, i) => p != i).Count();

    private static List<int> Shuffle(List<int> items, Rng rng)
    {
        var order = rng.Permutation(items.Count);
        return order.Select(i => items[i]).ToList();
    }
}
