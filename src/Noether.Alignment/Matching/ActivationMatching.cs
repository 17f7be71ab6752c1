using Noether.Nn;
using Noether.Nn.Data;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Matching;

/// <summary>
/// Activation matching (Git Re-Basin, Ainsworth et al.): run both models on data, and for every permutation factor match
/// A's and B's hidden units by the correlation of their activations (a linear assignment on the correlation matrix,
/// summed over the factor's values). Factors without activations of their own (attention heads, GL) fall back to
/// weight matching. The aligned model is verified to compute B's function.
/// </summary>
public static class ActivationMatching
{
    /// <summary>Aligns <paramref name="b"/> to <paramref name="a"/> using up to <paramref name="maxSamples"/> samples of <paramref name="data"/>.</summary>
    public static AlignmentResult Align(Model<double> a, Model<double> b, Dataset data, int maxSamples = 2048, WeightSpaceSpec? spec = null,
        AlignmentOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new AlignmentOptions();
        ArchitectureCheck.RequireSame(a, b);
        spec ??= SymmetryDeriver.Derive(a.Graph, null, cancel);
        var subset = data.Count > maxSamples ? data.Subset(Enumerable.Range(0, maxSamples)) : data;
        var g = spec.Factors.Select(f => f.Group.Identity).ToArray();
        var matched = new bool[spec.Factors.Count];
        var values = spec.Factors.Select(f => f.Segments.SelectMany(s => s.Values).Where(v => a.Graph.Producer(v) is not null).Distinct().ToArray()).ToArray();
        var all = values.SelectMany(v => v).Distinct().ToArray();
        var acc = Accumulate(a, b, subset, spec, values, cancel);
        for (int k = 0; k < spec.Factors.Count; k++)
        {
            var f = spec.Factors[k];
            if (!FactorKinds.Permutes(f) || f.InvariantKey is not null || values[k].Length == 0) continue;
            int n = f.Channels;
            var corr = new double[n * n];
            foreach (var v in values[k])
                if (acc.TryGetValue(v, out var c) && c.Count > 0)
                    System.Numerics.Tensors.TensorPrimitives.Add(corr, c.Correlation(), corr);
            var perm = LinearAssignment.Solve<double>(corr, n, n, maximize: true).RowToColumn;
            g[k] = FactorKinds.Element(f, perm, new Dictionary<int, double[]>());
            matched[k] = true;
        }
        // Everything activations do not decide (heads, GL factors, scales) is settled by weight matching on the result.
        var partial = GroupAction.Apply(b, spec, new ProductElement(g));
        var keep = spec.Factors.Where((f, k) => matched[k]).Select(f => f.Name).ToHashSet();
        var rest = WeightMatching.Align(a, partial, spec, options with { KeepPermutations = keep }, cancel: cancel);
        var check = FunctionComparison.Of(b, rest.Aligned, Tensor<double>.RandomNormal(new Rng(options.Seed ^ 0xBEEF), [8, .. a.Graph.Inputs[0].Shape]));
        if (!check.Within(options.VerifyTolerance))
            throw new InvalidOperationException($"Activation matching changed the function of {b.Graph.Name} (relative output change {check.MaxRelDiff:E2}); the result was discarded");
        var factors = rest.Factors.Select((x, k) => matched[k] ? x with { Method = "activation correlation, then " + x.Method } : x).ToArray();
        return rest with { Factors = factors, Check = check, DistanceBefore = WeightMatching.Distance(a, b) };
    }

    /// <summary>Per value, the correlation of A's and B's units accumulated over the data, batch by batch.</summary>
    private static Dictionary<string, CorrelationAccumulator> Accumulate(Model<double> a, Model<double> b, Dataset data,
        WeightSpaceSpec spec, string[][] values, CancellationToken cancel)
    {
        var channelsOf = new Dictionary<string, int>();
        for (int k = 0; k < spec.Factors.Count; k++) foreach (var v in values[k]) channelsOf[v] = spec.Factors[k].Channels;
        var result = channelsOf.ToDictionary(p => p.Key, p => new CorrelationAccumulator(p.Value));
        using var _ = GradMode.NoGrad();
        foreach (var (x, _) in new DataLoader(data, 256, shuffle: false, new Rng(0)).Epoch<double>())
        {
            cancel.ThrowIfCancellationRequested();
            var pa = Executor.Forward(a, [x], training: false);
            var pb = Executor.Forward(b, [x], training: false);
            foreach (var (n, c) in channelsOf)
            {
                var ta = Units(pa.Values[n].Value, c);
                if (ta is null) continue;
                result[n].Add(ta, Units(pb.Values[n].Value, c)!);
            }
        }
        return result;
    }

    /// <summary>
    /// A value as [channels, samples·positions]: the channel axis is the first per-sample axis of size c for images
    /// ([N, C, H, W]), else the last; null when the value has no such axis.
    /// </summary>
    private static Tensor<double>? Units(Tensor<double> t, int c)
    {
        int axis = t.Rank == 4 && t.Dim(1) == c ? 1 : t.Rank - 1;
        if (t.Dim(axis) != c) return null;
        return t.Permute([axis, .. Enumerable.Range(0, t.Rank).Where(i => i != axis)]).Contiguous().Reshape(c, -1);
    }
}
