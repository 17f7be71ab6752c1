using Noether.Graphs.Encodings;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs;

/// <summary>The message-passing layer of a <see cref="GraphRegressor"/>.</summary>
public enum GraphLayerKind
{
    /// <summary>GIN (GINE with edge features).</summary>
    Gin,
    /// <summary>GatedGCN.</summary>
    GatedGcn,
}

/// <summary>Architecture of a <see cref="GraphRegressor"/>.</summary>
public sealed record GraphRegressorOptions
{
    /// <summary>Message-passing layer.</summary>
    public GraphLayerKind Layer { get; init; } = GraphLayerKind.Gin;
    /// <summary>Positional encoding.</summary>
    public PositionalEncodingKind Encoding { get; init; } = PositionalEncodingKind.None;
    /// <summary>Eigenvectors per graph (k).</summary>
    public int Eigenvectors { get; init; } = 8;
    /// <summary>Hidden width of the message-passing layers.</summary>
    public int Width { get; init; } = 32;
    /// <summary>Number of message-passing layers.</summary>
    public int Layers { get; init; } = 3;
    /// <summary>Hidden width inside the encoders (φ, ψ).</summary>
    public int EncoderWidth { get; init; } = 16;
    /// <summary>Width of the positional encoding concatenated to the node features.</summary>
    public int EncodingDimension { get; init; } = 16;
    /// <summary>Mean instead of sum pooling.</summary>
    public bool MeanPool { get; init; }
}

/// <summary>
/// A graph-level regressor: h⁰ = Dense([x, PE]), L message-passing layers, sum (or mean) pooling, an MLP head whose
/// last weight starts at zero (so training starts from the mean of the standardised targets).
/// Without edge features the edge input of GINE is omitted and GatedGCN starts from a learned constant edge state.
/// </summary>
public sealed class GraphRegressor
{
    private readonly Dense _nodeIn, _edgeIn;
    private readonly GinLayer[] _gin = [];
    private readonly GatedGcnLayer[] _gated = [];
    private readonly Mlp _head;
    private readonly int _edgeFeatures;

    /// <summary>Creates the parameters in <paramref name="store"/>.</summary>
    public GraphRegressor(ParameterStore store, GraphRegressorOptions options, int nodeFeatures, int edgeFeatures, int targets)
    {
        if (options.Eigenvectors < 1) throw new ArgumentOutOfRangeException(nameof(options), $"GraphRegressor: needs k ≥ 1 eigenvectors, got {options.Eigenvectors}");
        Options = options;
        Store = store;
        _edgeFeatures = edgeFeatures;
        Encoding = PositionalEncoding.Create(options.Encoding, store, options.Eigenvectors, options.EncoderWidth, options.EncodingDimension);
        int w = options.Width;
        _nodeIn = new Dense(store, "node_in", nodeFeatures + (Encoding?.Dimension ?? 0), w);
        _edgeIn = new Dense(store, "edge_in", Math.Max(1, edgeFeatures), w);
        if (options.Layer == GraphLayerKind.Gin)
            _gin = Enumerable.Range(0, options.Layers).Select(i => new GinLayer(store, $"gin{i}", w)).ToArray();
        else
            _gated = Enumerable.Range(0, options.Layers).Select(i => new GatedGcnLayer(store, $"gated{i}", w)).ToArray();
        _head = new Mlp(store, "head", zeroLast: true, w, w, targets);
    }

    /// <summary>The architecture.</summary>
    public GraphRegressorOptions Options { get; }

    /// <summary>The parameters.</summary>
    public ParameterStore Store { get; }

    /// <summary>The positional encoder, or null.</summary>
    public PositionalEncoding? Encoding { get; }

    /// <summary>Predictions [G, T]. <paramref name="spectral"/> is required when an encoding is used.</summary>
    public V Forward(GraphBatch batch, SpectralBatch? spectral, Rng? augment = null)
    {
        if (batch.NodeCount == 0) return _head.Forward(V.Constant(Tensor<double>.Zeros(batch.GraphCount, Options.Width)));
        var x = V.Constant(batch.NodeFeatures);
        if (Encoding is not null)
        {
            if (spectral is null) throw new ArgumentException($"GraphRegressor: the {Options.Encoding} encoding needs a spectral batch");
            x = Ops.Concat([x, Encoding.Encode(batch, spectral, augment)], 1);
        }
        var h = _nodeIn.Forward(x, relu: true);
        var edgeInput = _edgeFeatures > 0 ? batch.EdgeFeatures : Tensor<double>.Ones(batch.Source.Length, 1);
        V? e = batch.Source.Length == 0 ? null : _edgeIn.Forward(V.Constant(edgeInput), relu: true);
        foreach (var layer in _gin) h = layer.Forward(h, _edgeFeatures > 0 ? e : null, batch);
        foreach (var layer in _gated)
        {
            if (e is null) break; // no edges anywhere in the batch: nothing to pass
            (h, e) = layer.Forward(h, e, batch);
        }
        var pooled = Options.MeanPool ? MessagePassing.MeanPool(h, batch) : MessagePassing.SumPool(h, batch);
        return _head.Forward(pooled);
    }
}
