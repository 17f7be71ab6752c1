using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs;

/// <summary>
/// The two primitives of message passing on a <see cref="GraphBatch"/>, both differentiable: gather node rows onto
/// edges, and scatter-add edge rows back onto nodes (their target). Pooling is a scatter-add onto graphs.
/// </summary>
public static class MessagePassing
{
    /// <summary>Rows of h [N, D] at each directed edge's source: [E, D].</summary>
    public static V GatherSource(V h, GraphBatch batch) => Ops.Gather(h, batch.Source);

    /// <summary>Rows of h [N, D] at each directed edge's target: [E, D].</summary>
    public static V GatherTarget(V h, GraphBatch batch) => Ops.Gather(h, batch.Target);

    /// <summary>Σ over incoming edges of each node: messages [E, D] → [N, D] (zero for isolated nodes).</summary>
    public static V ScatterToTarget(V messages, GraphBatch batch) => Ops.ScatterAddRows(messages, batch.Target, batch.NodeCount);

    /// <summary>Σ_{j → i} h_j, the neighbour sum [N, D].</summary>
    public static V NeighbourSum(V h, GraphBatch batch) => ScatterToTarget(GatherSource(h, batch), batch);

    /// <summary>Sum pooling: node rows [N, D] → graph rows [G, D] (an empty graph pools to zeros).</summary>
    public static V SumPool(V h, GraphBatch batch) => Ops.ScatterAddRows(h, batch.GraphOf, batch.GraphCount);

    /// <summary>Mean pooling: [N, D] → [G, D]; an empty graph pools to zeros (its sum, divided by max(n, 1)).</summary>
    public static V MeanPool(V h, GraphBatch batch)
    {
        var inv = new double[batch.GraphCount];
        for (int g = 0; g < inv.Length; g++) inv[g] = 1.0 / Math.Max(1, batch.NodeOffset[g + 1] - batch.NodeOffset[g]);
        return SumPool(h, batch) * V.Constant(new Noether.Tensors.Tensor<double>(inv, inv.Length, 1));
    }
}
