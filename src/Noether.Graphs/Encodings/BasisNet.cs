using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Encodings;

/// <summary>
/// BasisNet (Lim et al., ICLR 2023): PE = ρ([φ_{d_s}(V_s V_sᵀ)]_s) over the eigenspaces s of the whole-space
/// selection (at most k of them, in ascending order). Each φ_d sees only the projection P = V_s V_sᵀ, which does not
/// change under V_s ↦ V_s Q for orthogonal Q. φ_d is a permutation-equivariant 2→1 map:
/// φ_d(P)_i = MLP_d([Σ_j ψ_d(P_ij), P_ii, λ_s]) (a restricted form of the paper's IGN), with separate networks for
/// d = 1, d = 2 and d ≥ 3. ρ is an MLP on the k slots of width <c>width</c>; unused slots are zero.
/// </summary>
public sealed class BasisNet : PositionalEncoding
{
    /// <summary>Dimensions from this one on share a φ.</summary>
    public const int SharedFromDimension = 3;

    private readonly int _k, _width, _dimension;
    private readonly Mlp[] _psi, _phi;
    private readonly Mlp _rho;

    /// <summary>Creates ψ_d, φ_d (d = 1, 2, ≥ 3) and ρ.</summary>
    public BasisNet(ParameterStore store, int k, int width, int dimension)
    {
        _k = k; _width = width; _dimension = dimension;
        _psi = new Mlp[SharedFromDimension]; _phi = new Mlp[SharedFromDimension];
        for (int d = 0; d < SharedFromDimension; d++)
        {
            _psi[d] = new Mlp(store, $"pe.basisnet.psi{d + 1}", 1, width, width);
            _phi[d] = new Mlp(store, $"pe.basisnet.phi{d + 1}", width + 2, width, width);
        }
        _rho = new Mlp(store, "pe.basisnet.rho", k * width, dimension, dimension);
    }

    /// <inheritdoc />
    public override int Dimension => _dimension;

    /// <inheritdoc />
    public override V Forward(V vectors, GraphBatch batch, SpectralBatch s, Rng? augment)
    {
        int n = batch.NodeCount;
        V? slots = null;
        for (int c = 0; c < SharedFromDimension; c++)
        {
            // Rows (space, node) whose space falls in dimension class c, renumbered compactly.
            var compact = new int[s.SpaceNodeNode.Length];
            var slotIndex = new List<int>(); var extra = new List<double>();
            for (int r = 0; r < compact.Length; r++)
            {
                compact[r] = -1;
                if (Class(s.SpaceDimension[s.SpaceNodeSpace[r]]) != c) continue;
                compact[r] = slotIndex.Count;
                slotIndex.Add(s.SpaceNodeNode[r] * _k + s.SpaceNodeSlot[r]);
                extra.Add(s.SpaceNodeDiagonal[r]); extra.Add(s.SpaceValue[s.SpaceNodeSpace[r]]);
            }
            if (slotIndex.Count == 0) continue;
            var pairValues = new List<double>(); var pairRow = new List<int>();
            for (int p = 0; p < s.SpacePairRow.Length; p++)
            {
                int row = compact[s.SpacePairRow[p]];
                if (row < 0) continue;
                pairValues.Add(s.SpacePairValue[p]); pairRow.Add(row);
            }
            var psi = _psi[c].Forward(Column([.. pairValues]), reluLast: true);
            var summed = Ops.ScatterAddRows(psi, [.. pairRow], slotIndex.Count);
            var input = Ops.Concat([summed, V.Constant(new Tensor<double>(extra.ToArray(), slotIndex.Count, 2))], 1);
            var phi = Ops.ScatterAddRows(_phi[c].Forward(input), [.. slotIndex], n * _k);
            slots = slots is null ? phi : slots + phi;
        }
        slots ??= V.Constant(Tensor<double>.Zeros(n * _k, _width));
        return _rho.Forward(Ops.Reshape(slots, n, _k * _width));
    }

    private static int Class(int dimension) => Math.Min(dimension, SharedFromDimension) - 1;
}
