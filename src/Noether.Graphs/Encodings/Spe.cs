using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>
/// Stable and expressive positional encoding (SPE, Huang et al., ICLR 2024): Z_c = V diag(φ_c(λ)) Vᵀ for
/// c = 1..m, where φ: ℝ → ℝᵐ is an MLP applied to each eigenvalue, then per node i
/// PE_i = ρ([Σ_j ψ(Z_ij), Z_ii]) with an MLP ψ summed over the row (equivariant to node permutations) and an MLP ρ.
/// Z depends on V only through the products v_il·v_jl summed over whole eigenspaces with equal φ, so it is sign and
/// basis invariant; and since it is a Lipschitz matrix function of L, it moves little when L moves little.
/// </summary>
public sealed class Spe(ParameterStore store, int width, int dimension, int channels = 8) : PositionalEncoding
{
    private readonly Mlp _phi = new(store, "pe.spe.phi", 1, width, channels);
    private readonly Mlp _psi = new(store, "pe.spe.psi", channels, width, width);
    private readonly Mlp _rho = new(store, "pe.spe.rho", width + channels, dimension, dimension);

    /// <inheritdoc />
    public override int Dimension => dimension;

    /// <summary>m, the number of eigenvalue filters φ_c.</summary>
    public int Channels => channels;

    /// <inheritdoc />
    public override V Forward(V vectors, GraphBatch batch, SpectralBatch spectral, Rng? augment) =>
        Readout(Z(spectral), spectral);

    /// <summary>The filtered projections Z [pairs, m] (row p = node pair (i, j) of one graph).</summary>
    public V Z(SpectralBatch spectral)
    {
        int pairs = spectral.PairNode.Length;
        if (spectral.UsedEigenvalues.Length == 0) return V.Constant(Tensor<double>.Zeros(pairs, channels));
        var u = spectral.Products;
        int graphs = u.Dim(0), maxPairs = u.Dim(1), maxUsed = u.Dim(2);
        // φ for every used eigenvalue, a zero row for padding, laid out [G, max k', m]; then Z = U·Φ per graph.
        var filters = Ops.Concat([_phi.Forward(Column(spectral.UsedEigenvalues)), V.Constant(Tensor<double>.Zeros(1, channels))], 0);
        var padded = Ops.Reshape(Ops.Gather(filters, spectral.FilterRow), graphs, maxUsed, channels);
        var z = Ops.Reshape(Ops.MatMul(V.Constant(u), padded), graphs * maxPairs, channels);
        return Ops.Gather(z, spectral.PaddedPair);
    }

    /// <summary>ρ([Σ_j ψ(Z_ij), Z_ii]) per node [N, dimension].</summary>
    public V Readout(V z, SpectralBatch spectral)
    {
        var rows = Ops.ScatterAddRows(_psi.Forward(z, reluLast: true), spectral.PairNode, spectral.NodeCount);
        var diagonal = Ops.Gather(z, spectral.DiagonalPair);
        return _rho.Forward(Ops.Concat([rows, diagonal], 1));
    }
}
