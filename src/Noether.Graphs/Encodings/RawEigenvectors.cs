using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>
/// Raw eigenvectors as node features: MLP([v_i1..v_ik, λ_1..λ_k]) per node, padding masked. Neither sign nor basis
/// invariant; during training every eigenvector of every graph gets a random sign (the usual augmentation).
/// </summary>
public sealed class RawEigenvectors(ParameterStore store, int k, int dimension) : PositionalEncoding
{
    private readonly Mlp _mlp = new(store, "pe.eig", 2 * k, dimension, dimension);

    /// <inheritdoc />
    public override int Dimension => dimension;

    /// <inheritdoc />
    public override V Forward(V vectors, GraphBatch batch, SpectralBatch spectral, Rng? augment)
    {
        if (augment is not null)
        {
            int kk = spectral.K;
            var flips = new double[batch.GraphCount * kk];
            for (int i = 0; i < flips.Length; i++) flips[i] = augment.NextDouble() < 0.5 ? -1 : 1;
            var perNode = new double[batch.NodeCount * kk];
            for (int i = 0; i < batch.NodeCount; i++)
                for (int l = 0; l < kk; l++) perNode[i * kk + l] = flips[batch.GraphOf[i] * kk + l];
            vectors = vectors * V.Constant(new Tensor<double>(perNode, batch.NodeCount, kk));
        }
        var mask = V.Constant(spectral.Mask);
        var input = Ops.Concat([vectors * mask, V.Constant(spectral.Values)], 1);
        return _mlp.Forward(input);
    }
}
