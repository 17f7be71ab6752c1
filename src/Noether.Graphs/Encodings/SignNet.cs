using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>
/// SignNet (Lim et al., ICLR 2023): PE = ρ([φ(v_l) + φ(−v_l)]_{l=1..k}). φ is a two-layer GIN on the graph whose
/// node input is (v_il, λ_l), run for all k eigenvectors at once as k independent channels; ρ is an MLP on the
/// concatenation. φ(v) + φ(−v) is unchanged, bit for bit, when any v_l changes sign. Padded eigenvectors
/// (l ≥ n_g) are masked after φ.
/// </summary>
public sealed class SignNet : PositionalEncoding
{
    private readonly int _k, _width, _dimension;
    private readonly Dense _input;
    private readonly Mlp _gin1, _gin2, _rho;

    /// <summary>Creates φ (width <paramref name="width"/>) and ρ (k·width → dimension → dimension).</summary>
    public SignNet(ParameterStore store, int k, int width, int dimension)
    {
        _k = k; _width = width; _dimension = dimension;
        _input = new Dense(store, "pe.signnet.phi.in", 2, width);
        _gin1 = new Mlp(store, "pe.signnet.phi.gin1", width, width, width);
        _gin2 = new Mlp(store, "pe.signnet.phi.gin2", width, width, width);
        _rho = new Mlp(store, "pe.signnet.rho", k * width, dimension, dimension);
    }

    /// <inheritdoc />
    public override int Dimension => _dimension;

    /// <inheritdoc />
    public override V Forward(V vectors, GraphBatch batch, SpectralBatch spectral, Rng? augment)
    {
        int n = batch.NodeCount;
        var sum = Phi(vectors, batch, spectral) + Phi(-vectors, batch, spectral);
        return _rho.Forward(Ops.Reshape(sum, n, _k * _width));
    }

    private V Phi(V vectors, GraphBatch batch, SpectralBatch spectral)
    {
        int n = batch.NodeCount;
        var input = Ops.Concat([Ops.Reshape(vectors, n * _k, 1), V.Constant(spectral.Values.Reshape(n * _k, 1))], 1);
        var h = _input.Forward(input, relu: true);
        h = Gin(h, _gin1, batch);
        h = Gin(h, _gin2, batch);
        return h * V.Constant(spectral.Mask.Reshape(n * _k, 1));
    }

    private V Gin(V h, Mlp mlp, GraphBatch batch)
    {
        int n = batch.NodeCount;
        var wide = Ops.Reshape(h, n, _k * _width);
        var aggregated = wide + MessagePassing.NeighbourSum(wide, batch);
        return mlp.Forward(Ops.Reshape(aggregated, n * _k, _width), reluLast: true);
    }
}
