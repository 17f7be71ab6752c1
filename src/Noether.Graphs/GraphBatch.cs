using Noether.Tensors;

namespace Noether.Graphs;

/// <summary>
/// Several graphs as one disjoint union: nodes of graph g occupy rows <see cref="NodeOffset"/>[g] ..
/// <see cref="NodeOffset"/>[g + 1] − 1, every undirected edge appears as two directed edges (source → target), and
/// <see cref="GraphOf"/> maps each node to its graph. Message passing and pooling work on this layout.
/// </summary>
public sealed class GraphBatch
{
    private GraphBatch(IReadOnlyList<GraphSample> graphs, Tensor<double> x, int[] src, int[] dst, Tensor<double> e,
        int[] graphOf, int[] offset, Tensor<double> targets)
    {
        Graphs = graphs; NodeFeatures = x; Source = src; Target = dst; EdgeFeatures = e;
        GraphOf = graphOf; NodeOffset = offset; Targets = targets;
    }

    /// <summary>The graphs, in batch order.</summary>
    public IReadOnlyList<GraphSample> Graphs { get; }

    /// <summary>Number of graphs G.</summary>
    public int GraphCount => Graphs.Count;

    /// <summary>Total number of nodes N.</summary>
    public int NodeCount => GraphOf.Length;

    /// <summary>Node features [N, F].</summary>
    public Tensor<double> NodeFeatures { get; }

    /// <summary>Source node of each directed edge (2m of them).</summary>
    public int[] Source { get; }

    /// <summary>Target node of each directed edge; messages flow source → target.</summary>
    public int[] Target { get; }

    /// <summary>Directed edge features [2m, Fe] (each undirected edge's features twice).</summary>
    public Tensor<double> EdgeFeatures { get; }

    /// <summary>The graph of each node.</summary>
    public int[] GraphOf { get; }

    /// <summary>First node row of each graph, plus N at the end.</summary>
    public int[] NodeOffset { get; }

    /// <summary>Targets [G, T].</summary>
    public Tensor<double> Targets { get; }

    /// <summary>Batches graphs that share the node/edge feature and target counts.</summary>
    public static GraphBatch Create(IReadOnlyList<GraphSample> graphs)
    {
        if (graphs.Count == 0) throw new ArgumentException("GraphBatch: needs at least one graph");
        int f = graphs[0].NodeFeatureCount, fe = graphs[0].EdgeFeatureCount, t = graphs[0].Targets.Length;
        foreach (var g in graphs)
            if (g.NodeFeatureCount != f || g.EdgeFeatureCount != fe || g.Targets.Length != t)
                throw new ArgumentException($"GraphBatch: {g.Name} has (F={g.NodeFeatureCount}, Fe={g.EdgeFeatureCount}, T={g.Targets.Length}), " +
                    $"{graphs[0].Name} has (F={f}, Fe={fe}, T={t})");
        int n = graphs.Sum(g => g.NodeCount), m = graphs.Sum(g => g.EdgeCount);
        var x = new double[n * f]; var graphOf = new int[n]; var offset = new int[graphs.Count + 1];
        var src = new int[2 * m]; var dst = new int[2 * m]; var e = new double[2 * m * fe];
        var targets = new double[graphs.Count * t];
        int node = 0, edge = 0;
        for (int gi = 0; gi < graphs.Count; gi++)
        {
            var g = graphs[gi];
            offset[gi] = node;
            g.NodeFeatures.CopyTo(x, node * f);
            for (int i = 0; i < g.NodeCount; i++) graphOf[node + i] = gi;
            for (int k = 0; k < g.EdgeCount; k++)
            {
                int u = node + g.EdgeSource[k], v = node + g.EdgeTarget[k];
                src[edge] = u; dst[edge] = v; src[edge + 1] = v; dst[edge + 1] = u;
                for (int c = 0; c < fe; c++)
                    e[edge * fe + c] = e[(edge + 1) * fe + c] = g.EdgeFeatures[k * fe + c];
                edge += 2;
            }
            g.Targets.CopyTo(targets, gi * t);
            node += g.NodeCount;
        }
        offset[graphs.Count] = node;
        return new GraphBatch(graphs, new Tensor<double>(x, n, f), src, dst, new Tensor<double>(e, 2 * m, fe), graphOf, offset,
            new Tensor<double>(targets, graphs.Count, t));
    }
}
