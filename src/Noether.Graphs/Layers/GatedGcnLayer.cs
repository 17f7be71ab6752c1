using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Layers;

/// <summary>
/// A GatedGCN layer (Bresson &amp; Laurent 2017, as in Dwivedi et al.'s benchmark, without batch norm) with residuals:
/// ê_ij = A h_i + B h_j + C e_ij, η_ij = sigmoid(ê_ij),
/// h_i ← h_i + ReLU(U h_i + Σ_j η_ij ⊙ V h_j / (Σ_j η_ij + 10⁻⁶)), e_ij ← e_ij + ReLU(ê_ij), each followed by a
/// LayerNorm (in place of the benchmark's batch norm).
/// Here i is the target and j the source of a directed edge.
/// </summary>
public sealed class GatedGcnLayer(ParameterStore store, string name, int width)
{
    private readonly Dense _a = new(store, name + ".A", width, width), _b = new(store, name + ".B", width, width),
        _c = new(store, name + ".C", width, width), _u = new(store, name + ".U", width, width), _v = new(store, name + ".V", width, width);
    private readonly LayerNorm _nodeNorm = new(store, name + ".node_norm", width), _edgeNorm = new(store, name + ".edge_norm", width);

    /// <summary>Updates node states h [N, H] and edge states e [E, H].</summary>
    public (V Nodes, V Edges) Forward(V h, V e, GraphBatch batch)
    {
        var eHat = MessagePassing.GatherTarget(_a.Forward(h), batch) + MessagePassing.GatherSource(_b.Forward(h), batch) + _c.Forward(e);
        var gate = Ops.Sigmoid(eHat);
        var numerator = MessagePassing.ScatterToTarget(gate * MessagePassing.GatherSource(_v.Forward(h), batch), batch);
        var denominator = MessagePassing.ScatterToTarget(gate, batch) + 1e-6;
        var nodes = h + Ops.Relu(_u.Forward(h) + numerator / denominator);
        return (_nodeNorm.Forward(nodes), _edgeNorm.Forward(e + Ops.Relu(eHat)));
    }
}
