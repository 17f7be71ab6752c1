using System.Numerics;
using Noether.Metanetworks.Graphs;
using Noether.Tensors;

namespace Noether.Metanetworks.Layers;

/// <summary>
/// What a graph metanetwork needs of one architecture's parameter graph: node features (kind; layer; position, for fixed
/// input and output neurons only, so hidden neurons stay interchangeable), the static part of the edge features (kind,
/// layer, kernel position), and index maps for gathering endpoint features and averaging over incoming and outgoing
/// edges. Every model of the architecture shares it; only the edge values differ.
/// </summary>
public sealed class GmnStructure
{
    /// <summary>Positions encoded one-hot for fixed neurons (larger ones share the last slot).</summary>
    public const int PositionSlots = 16;
    private static readonly int NodeKinds = Enum.GetValues<NodeKind>().Length, EdgeKinds = Enum.GetValues<EdgeKind>().Length;

    /// <summary>Builds the structure of <paramref name="graph"/>'s architecture.</summary>
    public GmnStructure(ParameterGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Template = graph;
        Nodes = graph.NodeCount; Edges = graph.EdgeCount;
        double maxLayer = Math.Max(1, graph.NodeLayers.Max());
        NodeFeatures = new double[Nodes * NodeFeatureCount];
        for (int v = 0; v < Nodes; v++)
        {
            var row = NodeFeatures.AsSpan(v * NodeFeatureCount, NodeFeatureCount);
            var kind = graph.NodeKinds[v];
            row[(int)kind] = 1;
            row[NodeKinds] = graph.NodeLayers[v] / maxLayer;
            if (kind is NodeKind.Input or NodeKind.Output) row[NodeKinds + 1 + Math.Min(graph.NodePositions[v], PositionSlots - 1)] = 1;
        }
        double maxKh = Math.Max(1, graph.EdgeKernelH.DefaultIfEmpty(0).Max()), maxKw = Math.Max(1, graph.EdgeKernelW.DefaultIfEmpty(0).Max());
        EdgeStatic = new double[Edges * (EdgeFeatureCount - 1)];
        for (int e = 0; e < Edges; e++)
        {
            var row = EdgeStatic.AsSpan(e * (EdgeFeatureCount - 1), EdgeFeatureCount - 1);
            row[(int)graph.EdgeKinds[e]] = 1;
            row[EdgeKinds] = graph.EdgeLayers[e] / maxLayer;
            row[EdgeKinds + 1] = graph.EdgeKernelH[e] / maxKh;
            row[EdgeKinds + 2] = graph.EdgeKernelW[e] / maxKw;
        }
        Sources = graph.EdgeSources.ToArray(); Targets = graph.EdgeTargets.ToArray();
        (Incoming, InDegree, MaxIn) = Neighbours(Targets);
        (Outgoing, OutDegree, MaxOut) = Neighbours(Sources);
    }

    private (int[] Lists, int[] Degree, int Max) Neighbours(int[] endpoint)
    {
        var degree = new int[Nodes];
        foreach (var v in endpoint) degree[v]++;
        int max = Math.Max(1, degree.DefaultIfEmpty(0).Max());
        var lists = Enumerable.Repeat(-1, Nodes * max).ToArray();
        var fill = new int[Nodes];
        for (int e = 0; e < endpoint.Length; e++) lists[endpoint[e] * max + fill[endpoint[e]]++] = e;
        return (lists, degree, max);
    }

    /// <summary>The parameter graph the structure was built from.</summary>
    public ParameterGraph Template { get; }
    /// <summary>Node count N.</summary>
    public int Nodes { get; }
    /// <summary>Edge count M.</summary>
    public int Edges { get; }
    /// <summary>Per-node feature width: kinds one-hot, layer, fixed-position one-hot.</summary>
    public static int NodeFeatureCount => NodeKinds + 1 + PositionSlots;
    /// <summary>Per-edge feature width: value, kinds one-hot, layer, kernel row and column.</summary>
    public static int EdgeFeatureCount => 1 + EdgeKinds + 3;
    internal double[] NodeFeatures { get; }
    internal double[] EdgeStatic { get; }
    internal int[] Sources { get; }
    internal int[] Targets { get; }
    internal int[] Incoming { get; }
    internal int[] InDegree { get; }
    internal int MaxIn { get; }
    internal int[] Outgoing { get; }
    internal int[] OutDegree { get; }
    internal int MaxOut { get; }

    /// <summary>
    /// Node features [B, N, NodeFeatureCount] and edge features [B, M, EdgeFeatureCount] (value first) of models of this
    /// architecture, given as their parameter graphs or as edge-value vectors.
    /// </summary>
    public (Tensor<T> Nodes, Tensor<T> Edges) Encode<T>(IReadOnlyList<IReadOnlyList<double>> edgeValues) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = edgeValues.Count, nf = NodeFeatureCount, ef = EdgeFeatureCount;
        var nodes = new T[b * Nodes * nf];
        var edges = new T[b * Edges * ef];
        for (int k = 0; k < b; k++)
        {
            if (edgeValues[k].Count != Edges) throw new ShapeMismatchException($"GMN on '{Template.ModelName}'", $"model {k} has {edgeValues[k].Count} edge values", [Edges]);
            for (int i = 0; i < NodeFeatures.Length; i++) nodes[k * NodeFeatures.Length + i] = T.CreateChecked(NodeFeatures[i]);
            for (int e = 0; e < Edges; e++)
            {
                int o = (k * Edges + e) * ef;
                edges[o] = T.CreateChecked(edgeValues[k][e]);
                for (int j = 0; j < ef - 1; j++) edges[o + 1 + j] = T.CreateChecked(EdgeStatic[e * (ef - 1) + j]);
            }
        }
        return (new Tensor<T>(nodes, [b, Nodes, nf]), new Tensor<T>(edges, [b, Edges, ef]));
    }

    /// <summary>Checks that <paramref name="graph"/> has this structure (same nodes, edges and features), so it may be encoded with it.</summary>
    public bool Matches(ParameterGraph graph)
        => graph.NodeCount == Nodes && graph.EdgeCount == Edges && graph.EdgeSources.SequenceEqual(Sources) && graph.EdgeTargets.SequenceEqual(Targets)
           && graph.EdgeKinds.SequenceEqual(Template.EdgeKinds) && graph.NodeKinds.SequenceEqual(Template.NodeKinds);
}
