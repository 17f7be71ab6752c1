using Noether.Graphs.Spectral;
using Noether.Tensors;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>The positional-encoding choices of <c>noether eigen --pe</c>.</summary>
public enum PositionalEncodingKind
{
    /// <summary>No positional encoding.</summary>
    None,
    /// <summary>Raw Laplacian eigenvectors (random sign flips during training): not sign or basis invariant.</summary>
    Eig,
    /// <summary>SignNet ρ([φ(v_i) + φ(−v_i)]_i): sign invariant.</summary>
    SignNet,
    /// <summary>BasisNet ρ([φ_{d_i}(V_i V_iᵀ)]_i): sign and basis invariant.</summary>
    BasisNet,
    /// <summary>SPE ρ(V diag(φ_j(λ)) Vᵀ): sign and basis invariant and stable.</summary>
    Spe,
}

/// <summary>A node-level positional encoding computed from a batch's Laplacian eigenvectors.</summary>
public abstract class PositionalEncoding
{
    /// <summary>Width of the encoding per node.</summary>
    public abstract int Dimension { get; }

    /// <summary>
    /// The encoding [N, Dimension]. <paramref name="augment"/> is the training-time generator (only raw eigenvectors
    /// use it, for random sign flips); pass null at evaluation.
    /// </summary>
    public V Encode(GraphBatch batch, SpectralBatch spectral, Rng? augment = null)
    {
        if (spectral.NodeCount != batch.NodeCount)
            throw new ArgumentException($"{GetType().Name}: spectral batch has {spectral.NodeCount} nodes, graph batch {batch.NodeCount}");
        if (batch.NodeCount == 0) return V.Constant(Tensor<double>.Zeros(0, Dimension));
        return Forward(V.Constant(spectral.Vectors), batch, spectral, augment);
    }

    /// <summary>The encoding from eigenvectors given as a variable [N, k] (so gradients with respect to them can be checked).</summary>
    public abstract V Forward(V vectors, GraphBatch batch, SpectralBatch spectral, Rng? augment);

    /// <summary>Creates the encoder of a kind, or null for <see cref="PositionalEncodingKind.None"/>.</summary>
    public static PositionalEncoding? Create(PositionalEncodingKind kind, Layers.ParameterStore store, int k, int width, int dimension) => kind switch
    {
        PositionalEncodingKind.None => null,
        PositionalEncodingKind.Eig => new RawEigenvectors(store, k, dimension),
        PositionalEncodingKind.SignNet => new SignNet(store, k, width, dimension),
        PositionalEncodingKind.BasisNet => new BasisNet(store, k, width, dimension),
        PositionalEncodingKind.Spe => new Spe(store, width, dimension),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown positional encoding"),
    };

    /// <summary>A constant column [n, 1].</summary>
    internal static V Column(double[] values) => V.Constant(new Tensor<double>(values, values.Length, 1));
}
