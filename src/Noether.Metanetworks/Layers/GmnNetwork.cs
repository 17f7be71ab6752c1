using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Layers;

/// <summary>
/// One edge-updating message-passing layer of a graph metanetwork (Lim et al. ICLR 2024):
/// e' = ReLU([e, x_src, x_dst]·W_e + b_e), then x' = ReLU([x, mean of e' over incoming edges, mean over outgoing]·W_x + b_x).
/// Endpoint gathers and edge averages are fixed index maps of the <see cref="GmnStructure"/>, so the layer commutes with
/// any relabelling of nodes that keeps their features — for parameter graphs, with the network's neuron permutations.
/// </summary>
public sealed class GmnLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterStore<T> _store;
    private readonly GmnStructure _s;
    private readonly string _we, _be, _wx, _bx;
    private readonly int[] _srcMap, _dstMap, _inMap, _outMap;
    private readonly Tensor<T> _inScale, _outScale;

    /// <summary>Creates a layer from node width <paramref name="nodeIn"/> and edge width <paramref name="edgeIn"/> to <paramref name="hidden"/> for both.</summary>
    public GmnLayer(ParameterStore<T> store, string name, GmnStructure structure, int nodeIn, int edgeIn, int hidden, Rng rng)
    {
        _store = store; _s = structure; NodeIn = nodeIn; EdgeIn = edgeIn; Hidden = hidden;
        int ein = edgeIn + 2 * nodeIn, xin = nodeIn + 2 * hidden;
        _we = store.Normal($"{name}.edge.weight", rng, Math.Sqrt(2.0 / ein), ein, hidden); _be = store.Zeros($"{name}.edge.bias", hidden);
        _wx = store.Normal($"{name}.node.weight", rng, Math.Sqrt(2.0 / xin), xin, hidden); _bx = store.Zeros($"{name}.node.bias", hidden);
        _srcMap = GatherMap(structure.Sources, nodeIn); _dstMap = GatherMap(structure.Targets, nodeIn);
        _inMap = GatherMap(structure.Incoming, hidden); _outMap = GatherMap(structure.Outgoing, hidden);
        _inScale = Scale(structure.InDegree); _outScale = Scale(structure.OutDegree);
    }

    /// <summary>Node input width.</summary>
    public int NodeIn { get; }
    /// <summary>Edge input width.</summary>
    public int EdgeIn { get; }
    /// <summary>Output width of nodes and edges.</summary>
    public int Hidden { get; }

    /// <summary>Flat per-sample gather map: row r reads row index[r] (−1 reads zeros) of a [rows, width] sample.</summary>
    private static int[] GatherMap(int[] index, int width)
    {
        var map = new int[index.Length * width];
        for (int r = 0; r < index.Length; r++)
            for (int f = 0; f < width; f++) map[r * width + f] = index[r] < 0 ? -1 : index[r] * width + f;
        return map;
    }

    private Tensor<T> Scale(int[] degree) => new(degree.Select(d => T.One / T.CreateChecked(Math.Max(1, d))).ToArray(), [degree.Length, 1]);

    private Variable<T> Average(Variable<T> edges, int[] map, int max, Tensor<T> scale)
    {
        var gathered = Ops.Remap(edges, map, [_s.Nodes, max, Hidden], T.Zero);
        return Ops.Sum(gathered, 2) * Variable<T>.Constant(scale);
    }

    /// <summary>Runs the layer on node features [B, N, NodeIn] and edge features [B, M, EdgeIn].</summary>
    public (Variable<T> Nodes, Variable<T> Edges) Forward(Variable<T> x, Variable<T> e)
    {
        var xs = Ops.Remap(x, _srcMap, [_s.Edges, NodeIn], T.Zero);
        var xd = Ops.Remap(x, _dstMap, [_s.Edges, NodeIn], T.Zero);
        var e2 = Ops.Relu(Ops.MatMul(Ops.Concat([e, xs, xd], 2), _store[_we]) + _store[_be]);
        var incoming = Average(e2, _inMap, _s.MaxIn, _inScale);
        var outgoing = Average(e2, _outMap, _s.MaxOut, _outScale);
        var x2 = Ops.Relu(Ops.MatMul(Ops.Concat([x, incoming, outgoing], 2), _store[_wx]) + _store[_bx]);
        return (x2, e2);
    }
}

/// <summary>
/// A graph metanetwork: <see cref="GmnLayer{T}"/>s, then an invariant readout (mean over nodes and mean over edges, an
/// MLP). Its output is invariant to every neuron permutation of the input network, and it claims no more (no scalings).
/// </summary>
public sealed class GmnNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dense<T> _readout;

    /// <summary>Creates <paramref name="layers"/> layers of width <paramref name="hidden"/> and a readout to <paramref name="outputs"/>.</summary>
    public GmnNetwork(GmnStructure structure, int hidden, int layers, int outputs, Rng rng, ParameterStore<T>? store = null, int readoutHidden = 64)
    {
        Store = store ?? new ParameterStore<T>();
        Structure = structure;
        Layers = Enumerable.Range(0, layers).Select(l => new GmnLayer<T>(Store, $"gmn.{l}", structure,
            l == 0 ? GmnStructure.NodeFeatureCount : hidden, l == 0 ? GmnStructure.EdgeFeatureCount : hidden, hidden, rng)).ToArray();
        int width = layers == 0 ? GmnStructure.NodeFeatureCount + GmnStructure.EdgeFeatureCount : 2 * hidden;
        _readout = new Dense<T>(Store, "gmn.readout", rng, width, readoutHidden, outputs);
    }

    /// <summary>The parameters.</summary>
    public ParameterStore<T> Store { get; }
    /// <summary>The architecture's structure.</summary>
    public GmnStructure Structure { get; }
    /// <summary>The message-passing layers.</summary>
    public IReadOnlyList<GmnLayer<T>> Layers { get; }

    /// <summary>[B, outputs] from node features [B, N, ·] and edge features [B, M, ·].</summary>
    public Variable<T> Forward(Variable<T> nodes, Variable<T> edges)
    {
        foreach (var layer in Layers) (nodes, edges) = layer.Forward(nodes, edges);
        return _readout.Forward(Ops.Concat([Ops.Mean(nodes, 1), Ops.Mean(edges, 1)], 1));
    }
}
