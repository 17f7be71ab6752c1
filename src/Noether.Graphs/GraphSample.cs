namespace Noether.Graphs;

/// <summary>
/// One undirected graph: node features [n, F] row-major, edges listed once each (u, v) with edge features [m, Fe],
/// and the graph's regression targets. Empty graphs (n = 0) and isolated nodes are allowed; self-loops and repeated
/// edges are rejected because the normalised Laplacian and message passing would count them twice.
/// </summary>
public sealed class GraphSample
{
    /// <summary>Creates and validates a graph; errors name the graph and the offending edge or shape.</summary>
    public GraphSample(int nodeCount, double[] nodeFeatures, int nodeFeatureCount, int[] edgeSource, int[] edgeTarget,
        double[]? edgeFeatures = null, int edgeFeatureCount = 0, double[]? targets = null, string? name = null)
    {
        Name = name ?? "graph";
        if (nodeCount < 0) throw new ArgumentException($"{Name}: node count must be non-negative, got {nodeCount}");
        if (nodeFeatureCount < 0 || nodeFeatures.Length != nodeCount * nodeFeatureCount)
            throw new ArgumentException($"{Name}: node features hold {nodeFeatures.Length} values, expected [{nodeCount}, {nodeFeatureCount}]");
        if (edgeSource.Length != edgeTarget.Length)
            throw new ArgumentException($"{Name}: {edgeSource.Length} edge sources but {edgeTarget.Length} edge targets");
        edgeFeatures ??= [];
        if (edgeFeatures.Length != edgeSource.Length * edgeFeatureCount)
            throw new ArgumentException($"{Name}: edge features hold {edgeFeatures.Length} values, expected [{edgeSource.Length}, {edgeFeatureCount}]");
        var seen = new HashSet<(int, int)>();
        for (int e = 0; e < edgeSource.Length; e++)
        {
            int u = edgeSource[e], v = edgeTarget[e];
            if ((uint)u >= (uint)nodeCount || (uint)v >= (uint)nodeCount)
                throw new ArgumentException($"{Name}: edge {e} ({u}, {v}) names a node outside 0..{nodeCount - 1}");
            if (u == v) throw new ArgumentException($"{Name}: edge {e} is a self-loop at node {u}");
            if (!seen.Add((Math.Min(u, v), Math.Max(u, v)))) throw new ArgumentException($"{Name}: edge {e} ({u}, {v}) is repeated");
        }
        NodeCount = nodeCount;
        NodeFeatures = nodeFeatures;
        NodeFeatureCount = nodeFeatureCount;
        EdgeSource = edgeSource;
        EdgeTarget = edgeTarget;
        EdgeFeatures = edgeFeatures;
        EdgeFeatureCount = edgeFeatureCount;
        Targets = targets ?? [];
    }

    /// <summary>A name used in error messages (a molecule index, a generator seed).</summary>
    public string Name { get; }

    /// <summary>Number of nodes n.</summary>
    public int NodeCount { get; }

    /// <summary>Node features [n, F], row-major.</summary>
    public double[] NodeFeatures { get; }

    /// <summary>F, the number of features per node.</summary>
    public int NodeFeatureCount { get; }

    /// <summary>One end of each undirected edge.</summary>
    public int[] EdgeSource { get; }

    /// <summary>The other end of each undirected edge.</summary>
    public int[] EdgeTarget { get; }

    /// <summary>Number of undirected edges m.</summary>
    public int EdgeCount => EdgeSource.Length;

    /// <summary>Edge features [m, Fe], row-major (empty when Fe = 0).</summary>
    public double[] EdgeFeatures { get; }

    /// <summary>Fe, the number of features per edge.</summary>
    public int EdgeFeatureCount { get; }

    /// <summary>Graph-level regression targets.</summary>
    public double[] Targets { get; }

    /// <summary>The dense symmetric 0/1 adjacency matrix [n, n].</summary>
    public double[,] Adjacency()
    {
        var a = new double[NodeCount, NodeCount];
        for (int e = 0; e < EdgeCount; e++) { a[EdgeSource[e], EdgeTarget[e]] = 1; a[EdgeTarget[e], EdgeSource[e]] = 1; }
        return a;
    }

    /// <summary>Neighbour lists.</summary>
    public List<int>[] Neighbours()
    {
        var nb = new List<int>[NodeCount];
        for (int i = 0; i < NodeCount; i++) nb[i] = new List<int>();
        for (int e = 0; e < EdgeCount; e++) { nb[EdgeSource[e]].Add(EdgeTarget[e]); nb[EdgeTarget[e]].Add(EdgeSource[e]); }
        return nb;
    }
}
