using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>
/// Is model B a (disguised, fine-tuned or pruned) copy of model A? The independence test of Zhu et al. (ICML 2025),
/// on the derived symmetry group. Per MLP, the hidden units of B are matched to A's twice, on two views that are
/// independent under the null (gate rows and up rows of a gated MLP; input rows and output columns of a plain one),
/// by linear assignment on cosine similarity; if B derives from A both matchings recover the same hidden permutation,
/// if the models are independent they agree no more than chance. The statistic is Spearman's ρ between the two
/// matchings, its p-value a permutation test (count + 1)/(T + 1); layers are combined by Fisher's method and by the
/// harmonic mean p. The derived group decides what may differ without changing the function: the residual stream
/// is fitted first (signed permutation or, after norm folding, an orthogonal map), norm gains are folded into the
/// weights that read them, units compare by cosine (scale-free) and by |cos| where they may flip sign.
/// </summary>
public static class ProvenanceTest
{
    /// <summary>The weight test: reads each tensor once per view, one or two at a time.</summary>
    public static ProvenanceReport Weights(IParameterSource a, IParameterSource b, ProvenanceOptions? options = null,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        options ??= new ProvenanceOptions();
        Validate(options);
        var (blocksA, blocksB) = BlocksOf(a, b);
        progress?.Report("deriving the symmetry groups");
        var specA = SymmetryDeriver.Derive(a.Graph, null, cancel);
        var specB = SymmetryDeriver.Derive(b.Graph, null, cancel);
        progress?.Report("fitting the residual stream");
        var map = StreamAlignment.Fit(a, specA, blocksA[0], b, specB, blocksB[0]);
        ReturnMemory();
        var reference = StreamMap.Identity("reference");
        var (v1, v2) = blocksA[0].Gated ? (UnitView.Gate, UnitView.Up) : (UnitView.Up, UnitView.Down);
        LayerProvenance Test(int i, int j)
        {
            progress?.Report($"MLP {i} of {a.Name} against MLP {j} of {b.Name}");
            var (ba, bb) = (blocksA[i], blocksB[j]);
            int[] Match(UnitView v, out bool bSide)
            {
                bool flip = UnitViews.MayFlip(specA, ba, v) || UnitViews.MayFlip(specB, bb, v);
                var ra = UnitViews.Rows(a, ba, v, reference);
                var rb = UnitViews.Rows(b, bb, v, map);
                var matching = UnitMatching.Match(ra, rb, flip, out bSide);
                ReturnMemory();
                return matching;
            }
            var first = Match(v1, out _);
            var second = Match(v2, out _);
            return Statistic(ba, bb, first, second, options, i, j);
        }
        var (layers, notes) = LayerPairing.Choose(blocksA.Count, blocksB.Count, Test, cancel);
        return Combine(a.Name, b.Name, ProvenanceEvidence.Weights, layers, notes, map.Description, options);
    }

    /// <summary>
    /// The activation test: both models read the same random token sequences; units are matched on their gate and up
    /// pre-activations over all tokens (any function-preserving change of B leaves these activations permuted and
    /// rescaled only). Gated MLPs only (a plain MLP has one activation view).
    /// </summary>
    public static ProvenanceReport Activations(Model<float> a, Model<float> b, ProvenanceOptions? options = null, string? nameA = null, string? nameB = null,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        options ??= new ProvenanceOptions();
        Validate(options);
        var (sa, sb) = (new ModelParameterSource<float>(a, nameA), new ModelParameterSource<float>(b, nameB));
        var (blocksA, blocksB) = BlocksOf(sa, sb);
        if (!blocksA[0].Gated) throw new ArgumentException($"{sa.Name}: the activation test needs gated MLPs (gate and up projections); use the weight test");
        var specA = SymmetryDeriver.Derive(a.Graph, null, cancel);
        var specB = SymmetryDeriver.Derive(b.Graph, null, cancel);
        progress?.Report("running both models on random tokens");
        var inputs = RandomTokens.For(a.Graph, b.Graph, options.Samples, options.Seed, sa.Name, sb.Name);
        var actsA = MlpActivations.Collect(a, blocksA, inputs, cancel);
        var actsB = MlpActivations.Collect(b, blocksB, inputs, cancel);
        LayerProvenance Test(int i, int j)
        {
            var (ba, bb) = (blocksA[i], blocksB[j]);
            int[] Match(UnitView v)
            {
                bool flip = UnitViews.MayFlip(specA, ba, v) || UnitViews.MayFlip(specB, bb, v);
                return UnitMatching.Match(actsA[i][v], actsB[j][v], flip, out _);
            }
            return Statistic(ba, bb, Match(UnitView.Gate), Match(UnitView.Up), options, i, j);
        }
        var (layers, notes) = LayerPairing.Choose(blocksA.Count, blocksB.Count, Test, cancel);
        return Combine(sa.Name, sb.Name, ProvenanceEvidence.Activations, layers, notes, "not needed (activations do not depend on the stream's basis)", options);
    }

    /// <summary>
    /// Collects the tensors of the view just matched (large-object garbage waits for a full collection), so that peak
    /// memory is one view of each model and one cost matrix, not the sum over views — the bound the 7B benchmark checks.
    /// </summary>
    private static void ReturnMemory() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);

    private static void Validate(ProvenanceOptions o)
    {
        if (o.Permutations < 1) throw new ArgumentOutOfRangeException(nameof(o), $"permutations must be at least 1, got {o.Permutations}");
        if (!(o.Alpha > 0 && o.Alpha < 1)) throw new ArgumentOutOfRangeException(nameof(o), $"alpha must lie in (0, 1), got {o.Alpha}");
        if (o.Samples < 1) throw new ArgumentOutOfRangeException(nameof(o), $"samples must be at least 1, got {o.Samples}");
    }

    private static (IReadOnlyList<MlpBlock>, IReadOnlyList<MlpBlock>) BlocksOf(IParameterSource a, IParameterSource b)
    {
        var blocksA = MlpBlock.Find(a.Graph);
        var blocksB = MlpBlock.Find(b.Graph);
        foreach (var (blocks, s) in new[] { (blocksA, a), (blocksB, b) })
            if (blocks.Count == 0)
                throw new ArgumentException($"{s.Name}: no MLP found (expected Linear → activation → Linear, or down(act(gate·x) ⊙ up·x)); the provenance test compares MLP hidden units");
        if (blocksA[0].Gated != blocksB[0].Gated)
            throw new ArgumentException($"{a.Name} has {(blocksA[0].Gated ? "gated" : "plain")} MLPs but {b.Name} has {(blocksB[0].Gated ? "gated" : "plain")} ones: nothing to compare");
        if (blocksA[0].Width != blocksB[0].Width)
            throw new ArgumentException($"{a.Name} has a residual stream of width {blocksA[0].Width} ('{blocksA[0].Up}' is [{blocksA[0].Units}, {blocksA[0].Width}]) but {b.Name} of width {blocksB[0].Width} ('{blocksB[0].Up}' is [{blocksB[0].Units}, {blocksB[0].Width}])");
        return (blocksA, blocksB);
    }

    /// <summary>ρ between the two matchings over the side with fewer units, and its permutation p-value.</summary>
    private static LayerProvenance Statistic(MlpBlock ba, MlpBlock bb, int[] first, int[] second, ProvenanceOptions o, int i, int j)
    {
        int n = first.Length;
        var x = new double[n];
        var y = new double[n];
        int agree = 0;
        for (int k = 0; k < n; k++)
        {
            x[k] = first[k];
            y[k] = second[k];
            if (first[k] == second[k]) agree++;
        }
        ulong seed = o.Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(1 + i * 65_536 + j));
        var r = n >= 2 ? SpearmanTest.Test(x, y, o.Permutations, seed) : new RankCorrelation(0, 1, o.Permutations);
        return new LayerProvenance(i, j, ba.Views, ba.Units, bb.Units, r.Rho, n == 0 ? 0 : agree / (double)n, r.PValue, r.PValue);
    }

    private static ProvenanceReport Combine(string a, string b, ProvenanceEvidence evidence, List<LayerProvenance> layers, List<string> notes, string stream, ProvenanceOptions o)
    {
        var p = layers.Select(l => l.PValue).ToArray();
        double logFisher = PValues.FisherLog(p);
        double hmp = PValues.HarmonicMean(p);
        double floor = PValues.Floor(o.Permutations);
        var verdict = floor > o.Alpha ? ProvenanceVerdict.Inconclusive : hmp <= o.Alpha ? ProvenanceVerdict.Dependent : ProvenanceVerdict.Independent;
        return new ProvenanceReport(a, b, evidence, layers, Math.Exp(logFisher), logFisher / Math.Log(10), hmp, floor, o.Permutations, o.Alpha, stream, verdict, notes);
    }
}
