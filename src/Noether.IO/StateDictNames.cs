using Noether.Nn;

namespace Noether.IO;

/// <summary>
/// Matches the tensor names of a weights-only file (a PyTorch state dict, as .safetensors or .pt) to a graph's
/// parameters. Names match as they are, or all under one prefix — <c>state_dict.</c> or <c>model.</c> of a nested
/// checkpoint, <c>module.</c> of DataParallel — in which case tensors outside the prefix (optimizer state) are ignored.
/// BatchNorm's <c>num_batches_tracked</c> counter, which the graph does not need, is ignored too.
/// </summary>
internal static class StateDictNames
{
    /// <summary>The prefix under which every parameter is found (null when some parameter is missing under every prefix).</summary>
    public static string? Prefix(IReadOnlyCollection<string> stored, IReadOnlyList<ParameterInfo> parameters)
    {
        var set = stored as ISet<string> ?? stored.ToHashSet(StringComparer.Ordinal);
        if (parameters.All(p => set.Contains(p.Name))) return "";
        var probe = parameters.FirstOrDefault(p => !set.Contains(p.Name));
        if (probe is null) return "";
        foreach (var name in stored.Where(n => n.EndsWith("." + probe.Name, StringComparison.Ordinal)))
        {
            var prefix = name[..^probe.Name.Length];
            if (parameters.All(p => set.Contains(prefix + p.Name))) return prefix;
        }
        return null;
    }

    /// <summary>Stored tensors under <paramref name="prefix"/> that are no parameter of the graph (reported as errors).</summary>
    public static string[] Extra(IEnumerable<string> stored, IReadOnlyList<ParameterInfo> parameters, string prefix)
    {
        var names = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return stored.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[prefix.Length..])
            .Where(n => !names.Contains(n) && !IsBatchCounter(n, names)).ToArray();
    }

    private static bool IsBatchCounter(string name, HashSet<string> parameters)
        => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)
           && parameters.Contains(name[..^"num_batches_tracked".Length] + "running_mean");
}
