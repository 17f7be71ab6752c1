using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Layers;

/// <summary>
/// A GIN layer (Xu et al. 2019) with edge features in the GINE form (Hu et al. 2020) and a residual connection:
/// h_i ← LayerNorm(h_i + ReLU(MLP((1 + ε)·h_i + Σ_{j → i} ReLU(h_j + e_ji)))), ε = 0. Edge inputs e are [E, H] or null.
/// </summary>
public sealed class GinLayer(ParameterStore store, string name, int width)
{
    private readonly Mlp _mlp = new(store, name + ".mlp", width, width, width);
    private readonly LayerNorm _norm = new(store, name + ".norm", width);

    /// <summary>One round of message passing on node states h [N, H].</summary>
    public V Forward(V h, V? edges, GraphBatch batch)
    {
        var messages = MessagePassing.GatherSource(h, batch);
        if (edges is not null) messages = Ops.Relu(messages + edges);
        var aggregated = h + MessagePassing.ScatterToTarget(messages, batch);
        return _norm.Forward(h + Ops.Relu(_mlp.Forward(aggregated)));
    }
}
