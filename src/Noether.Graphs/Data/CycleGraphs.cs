using Noether.Tensors;

namespace Noether.Graphs.Data;

/// <summary>
/// The substructure-counting task: Erdős–Rényi graphs G(n, p) with n uniform in [minNodes, maxNodes] and mean degree
/// uniform in [2, 4], one constant node feature, targets = numbers of simple cycles of length 3, 4, 5 and 6
/// (<c>cycle3</c> … <c>cycle6</c>). Generated from a seed, so splits are fixed: the same seed gives the same graphs.
/// </summary>
public static class CycleGraphs
{
    /// <summary>The target names.</summary>
    public static readonly string[] Targets = ["cycle3", "cycle4", "cycle5", "cycle6"];

    /// <summary>Generates train / validation / test graphs (data seed fixed independently of the training seed).</summary>
    public static GraphDataset Create(int train = 1000, int validation = 250, int test = 250, ulong seed = 20240601, int minNodes = 10, int maxNodes = 18)
    {
        if (minNodes < 1 || maxNodes < minNodes) throw new ArgumentException($"CycleGraphs: node range [{minNodes}, {maxNodes}] is empty");
        var rng = new Rng(seed);
        var graphs = new List<GraphSample>();
        for (int i = 0; i < train + validation + test; i++) graphs.Add(Random(rng, minNodes, maxNodes, $"cycles[{i}]"));
        return GraphDataset.FromOrdered("cycles", Targets, graphs, validation, test);
    }

    /// <summary>One random graph with its cycle counts.</summary>
    public static GraphSample Random(Rng rng, int minNodes, int maxNodes, string name)
    {
        int n = minNodes + rng.NextInt(maxNodes - minNodes + 1);
        double degree = 2 + 2 * rng.NextDouble(), p = n > 1 ? Math.Min(1, degree / (n - 1)) : 0;
        var src = new List<int>(); var dst = new List<int>();
        for (int u = 0; u < n; u++)
            for (int v = u + 1; v < n; v++)
                if (rng.NextDouble() < p) { src.Add(u); dst.Add(v); }
        var shape = new GraphSample(n, Enumerable.Repeat(1.0, n).ToArray(), 1, [.. src], [.. dst], name: name);
        var counts = CountCycles(shape, 6);
        return new GraphSample(n, shape.NodeFeatures, 1, shape.EdgeSource, shape.EdgeTarget,
            targets: [counts[3], counts[4], counts[5], counts[6]], name: name);
    }

    /// <summary>
    /// counts[L] = number of simple cycles of length L (3 ≤ L ≤ maxLength): every cycle is found once from its smallest
    /// node in each of its two directions, so the path count is halved.
    /// </summary>
    public static long[] CountCycles(GraphSample graph, int maxLength)
    {
        var nb = graph.Neighbours();
        var counts = new long[maxLength + 1];
        var onPath = new bool[graph.NodeCount];
        for (int start = 0; start < graph.NodeCount; start++)
        {
            onPath[start] = true;
            Walk(start, start, 1);
            onPath[start] = false;
        }
        for (int l = 3; l <= maxLength; l++) counts[l] /= 2;
        return counts;

        void Walk(int start, int at, int length)
        {
            foreach (int next in nb[at])
            {
                if (next == start && length >= 3) { counts[length]++; continue; }
                if (next <= start || onPath[next] || length == maxLength) continue;
                onPath[next] = true;
                Walk(start, next, length + 1);
                onPath[next] = false;
            }
        }
    }
}
