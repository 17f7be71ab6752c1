namespace Noether.Graphs.Data;

/// <summary>A graph regression dataset with fixed train / validation / test splits and named targets.</summary>
public sealed record GraphDataset(string Name, string[] TargetNames, IReadOnlyList<GraphSample> Train,
    IReadOnlyList<GraphSample> Validation, IReadOnlyList<GraphSample> Test)
{
    /// <summary>The column of a target name; the error lists the valid names.</summary>
    public int TargetIndex(string name)
    {
        int i = Array.FindIndex(TargetNames, t => string.Equals(t, name, StringComparison.OrdinalIgnoreCase));
        if (i < 0) throw new ArgumentException($"{Name}: unknown target '{name}' (targets: {string.Join(", ", TargetNames)})");
        return i;
    }

    /// <summary>Splits a list in order: the first <paramref name="test"/> go to test, the next <paramref name="validation"/> to validation.</summary>
    public static GraphDataset FromOrdered(string name, string[] targets, IReadOnlyList<GraphSample> graphs, int validation, int test)
    {
        if (validation < 1 || test < 1 || validation + test >= graphs.Count)
            throw new ArgumentException($"{name}: cannot split {graphs.Count} graphs into {validation} validation and {test} test graphs plus training");
        return new GraphDataset(name, targets, graphs.Skip(validation + test).ToList(), graphs.Skip(test).Take(validation).ToList(), graphs.Take(test).ToList());
    }
}
