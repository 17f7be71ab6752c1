using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Metanetworks.Graphs;

/// <summary>
/// The parameter graph of a network (Graph Metanetworks, Lim et al. ICLR 2024): one node per neuron or channel (plus a
/// bias node per layer, γ and β nodes per normalisation layer, shared attention middle nodes), one edge per trainable
/// parameter entry, and weight-1 edges for residual connections. Node features: layer, position, kind; edge features:
/// value, layer, kind, kernel position. Every edge that carries a parameter records which entry (parameter index and
/// flat element), so <see cref="ToParameters{T}"/> rebuilds the weights exactly. Buffers (BatchNorm running statistics)
/// are no parameters: they are kept beside the graph in <see cref="Buffers"/>.
/// </summary>
public sealed class ParameterGraph
{
    internal ParameterGraph(string modelName, NodeKind[] nodeKinds, int[] nodeLayers, int[] nodePositions,
        int[] edgeSources, int[] edgeTargets, EdgeKind[] edgeKinds, int[] edgeLayers, double[] edgeValues, int[] kernelH, int[] kernelW,
        int[] edgeParameters, int[] edgeElements, string[] parameterNames, int[][] parameterShapes, IReadOnlyDictionary<string, Tensor<double>> buffers)
    {
        ModelName = modelName;
        NodeKinds = nodeKinds; NodeLayers = nodeLayers; NodePositions = nodePositions;
        EdgeSources = edgeSources; EdgeTargets = edgeTargets; EdgeKinds = edgeKinds; EdgeLayers = edgeLayers; EdgeValues = edgeValues;
        EdgeKernelH = kernelH; EdgeKernelW = kernelW; EdgeParameters = edgeParameters; EdgeElements = edgeElements;
        ParameterNames = parameterNames; ParameterShapes = parameterShapes; Buffers = buffers;
    }

    /// <summary>The network's name.</summary>
    public string ModelName { get; }
    /// <summary>Per node, its kind.</summary>
    public IReadOnlyList<NodeKind> NodeKinds { get; }
    /// <summary>Per node, its layer: 0 for inputs, then one per parameterised layer in graph order.</summary>
    public IReadOnlyList<int> NodeLayers { get; }
    /// <summary>Per node, its position within its layer (channel index; 0 for bias, γ and β nodes).</summary>
    public IReadOnlyList<int> NodePositions { get; }
    /// <summary>Per edge, its source node.</summary>
    public IReadOnlyList<int> EdgeSources { get; }
    /// <summary>Per edge, its target node.</summary>
    public IReadOnlyList<int> EdgeTargets { get; }
    /// <summary>Per edge, its kind.</summary>
    public IReadOnlyList<EdgeKind> EdgeKinds { get; }
    /// <summary>Per edge, the layer of the parameter it carries.</summary>
    public IReadOnlyList<int> EdgeLayers { get; }
    /// <summary>Per edge, its value (the parameter entry; 1 for residual edges).</summary>
    public IReadOnlyList<double> EdgeValues { get; }
    /// <summary>Per edge, the kernel row (or flattened spatial row, or sequence position); 0 for plain weights.</summary>
    public IReadOnlyList<int> EdgeKernelH { get; }
    /// <summary>Per edge, the kernel column (or flattened spatial column); 0 for plain weights.</summary>
    public IReadOnlyList<int> EdgeKernelW { get; }
    /// <summary>Per edge, the index into <see cref="ParameterNames"/> of its parameter, or −1 for residual edges.</summary>
    public IReadOnlyList<int> EdgeParameters { get; }
    /// <summary>Per edge, the flat (row-major) element of its parameter, or −1.</summary>
    public IReadOnlyList<int> EdgeElements { get; }
    /// <summary>The trainable parameters the edges carry, in graph declaration order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }
    /// <summary>Their shapes.</summary>
    public IReadOnlyList<int[]> ParameterShapes { get; }
    /// <summary>Non-trainable tensors of the model (running statistics), kept so the inverse is exact.</summary>
    public IReadOnlyDictionary<string, Tensor<double>> Buffers { get; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => NodeKinds.Count;
    /// <summary>Number of edges.</summary>
    public int EdgeCount => EdgeSources.Count;

    /// <summary>Node counts by kind (kinds with no node left out).</summary>
    public IReadOnlyDictionary<NodeKind, int> NodeCountsByKind => NodeKinds.GroupBy(k => k).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Edge counts by kind (kinds with no edge left out).</summary>
    public IReadOnlyDictionary<EdgeKind, int> EdgeCountsByKind => EdgeKinds.GroupBy(k => k).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The same graph with other edge values (e.g. a metanetwork's output); residual edges must stay 1.</summary>
    public ParameterGraph WithEdgeValues(IReadOnlyList<double> values)
    {
        if (values.Count != EdgeCount) throw new ArgumentException($"Parameter graph of '{ModelName}' has {EdgeCount} edges, got {values.Count} values");
        return new(ModelName, [.. NodeKinds], [.. NodeLayers], [.. NodePositions], [.. EdgeSources], [.. EdgeTargets], [.. EdgeKinds], [.. EdgeLayers],
            values.ToArray(), [.. EdgeKernelH], [.. EdgeKernelW], [.. EdgeParameters], [.. EdgeElements], [.. ParameterNames], [.. ParameterShapes], Buffers);
    }

    /// <summary>
    /// Graph → weights: scatters every parameter edge's value into its entry. Each entry of each trainable parameter
    /// has exactly one edge (checked when the graph was built), so this is the exact inverse of
    /// <see cref="ParameterGraphBuilder.Build{T}"/>. Buffers are returned too.
    /// </summary>
    public Dictionary<string, Tensor<T>> ToParameters<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = ParameterShapes.Select(s => new T[Shapes.Size(s)]).ToArray();
        for (int e = 0; e < EdgeCount; e++)
        {
            int p = EdgeParameters[e];
            if (p >= 0) values[p][EdgeElements[e]] = T.CreateChecked(EdgeValues[e]);
        }
        var result = new Dictionary<string, Tensor<T>>();
        for (int p = 0; p < values.Length; p++) result[ParameterNames[p]] = new Tensor<T>(values[p], ParameterShapes[p]);
        foreach (var (name, buffer) in Buffers) result[name] = buffer.Cast<T>();
        return result;
    }

    /// <summary>Graph → model: <see cref="ToParameters{T}"/> bound to <paramref name="graph"/> (the architecture it came from).</summary>
    public Model<T> ToModel<T>(Graph graph) where T : unmanaged, IFloatingPointIeee754<T> => new(graph, ToParameters<T>());

    /// <summary>
    /// The graph as arrays (float64, as NumPy's .npz would hold them): node_layer, node_position, node_type [N];
    /// edge_index [2, M] (source row, target row), edge_value, edge_layer, edge_type [M], edge_kernel [M, 2],
    /// edge_parameter and edge_element [M] (−1 for residual edges). Types are the enum values of
    /// <see cref="NodeKind"/> and <see cref="EdgeKind"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor<double>>> ToArrays()
    {
        static Tensor<double> Vec(IEnumerable<double> v) { var a = v.ToArray(); return new Tensor<double>(a, [a.Length]); }
        int m = EdgeCount;
        var index = new double[2 * m]; var kernel = new double[2 * m];
        for (int e = 0; e < m; e++)
        {
            index[e] = EdgeSources[e]; index[m + e] = EdgeTargets[e];
            kernel[2 * e] = EdgeKernelH[e]; kernel[2 * e + 1] = EdgeKernelW[e];
        }
        return
        [
            new("node_layer", Vec(NodeLayers.Select(v => (double)v))),
            new("node_position", Vec(NodePositions.Select(v => (double)v))),
            new("node_type", Vec(NodeKinds.Select(v => (double)(int)v))),
            new("edge_index", new Tensor<double>(index, [2, m])),
            new("edge_value", Vec(EdgeValues)),
            new("edge_layer", Vec(EdgeLayers.Select(v => (double)v))),
            new("edge_type", Vec(EdgeKinds.Select(v => (double)(int)v))),
            new("edge_kernel", new Tensor<double>(kernel, [m, 2])),
            new("edge_parameter", Vec(EdgeParameters.Select(v => (double)v))),
            new("edge_element", Vec(EdgeElements.Select(v => (double)v))),
        ];
    }

    /// <inheritdoc />
    public override string ToString()
        => $"Parameter graph of {ModelName}: {NodeCount} nodes ({string.Join(", ", NodeCountsByKind.Select(kv => $"{kv.Value} {kv.Key}"))}), "
         + $"{EdgeCount} edges ({string.Join(", ", EdgeCountsByKind.Select(kv => $"{kv.Value} {kv.Key}"))})";
}
