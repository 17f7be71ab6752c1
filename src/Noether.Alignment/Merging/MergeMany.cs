using Noether.Alignment.Matching;
using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Alignment.Merging;

/// <summary>
/// Merging N ≥ 2 models (Git Re-Basin's MergeMany): repeatedly align each model to the mean of the others, in random
/// order, until no model moves; the merge is the mean of the aligned models.
/// </summary>
public static class MergeMany
{
    /// <summary>The aligned models and their mean.</summary>
    public static (Model<double> Merged, IReadOnlyList<Model<double>> Aligned) Merge(IReadOnlyList<Model<double>> models, int rounds = 10, ulong seed = 0,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (models.Count < 2) throw new ArgumentException($"Merging needs at least 2 models, got {models.Count}");
        foreach (var m in models.Skip(1)) ArchitectureCheck.RequireSame(models[0], m, "model 1", $"model {models.ToList().IndexOf(m) + 1}");
        var spec = SymmetryDeriver.Derive(models[0].Graph, null, cancel);
        var aligned = models.ToList();
        var rng = new Rng(seed);
        for (int round = 0; round < rounds; round++)
        {
            bool moved = false;
            foreach (int i in rng.Permutation(aligned.Count))
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Report($"round {round + 1}: model {i + 1}");
                var others = Interpolation.Average(aligned.Where((_, j) => j != i).ToArray());
                var result = WeightMatching.Align(others, aligned[i], spec, new AlignmentOptions(Seed: seed + (ulong)round), cancel: cancel);
                double norm = Math.Sqrt(aligned[i].Parameters.Values.Sum(p => p.ToArray().Sum(v => v * v)));
                if (WeightMatching.Distance(result.Aligned, aligned[i]) > 1e-9 * Math.Max(1, norm)) moved = true;
                aligned[i] = result.Aligned;
            }
            if (!moved) break;
        }
        return (Interpolation.Average(aligned), aligned);
    }
}
