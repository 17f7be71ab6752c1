using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that moves a fixed scale of the queries onto the attention scores:
/// <c>MatMul(q · s, kᵀ)</c> (nn.MultiheadAttention divides q by √d_k before the product) becomes
/// <c>MatMul(q, kᵀ) · s</c>, the form <see cref="AttentionFusion"/> reads. Only when the product feeds a Softmax or
/// a mask (Where) and the scaled value is read only by the product; the product keeps its name (so its readers are
/// unchanged) and the new inner product takes the scale node's name. Equal up to rounding.
/// </summary>
internal static class ScoreScaleHoist
{
    /// <summary>The graph with every such scale moved, and its parameters (unchanged: the scale is an attribute).</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rewrites = new Dictionary<Node, (Node Product, Node Scale)>();
        var removed = new HashSet<Node>();
        foreach (var n in graph.Nodes)
        {
            if (n.Op is not MatMulOp || graph.Producer(n.Inputs[0]) is not { Op: ScalarBinaryOp s } scale) continue;
            if (s is not ({ Function: BinaryFunction.Mul } or { Function: BinaryFunction.Div, ScalarFirst: false })) continue;
            if (graph.Consumers(scale.Name).Count != 1 || graph.Outputs.Contains(scale.Name)) continue;
            var readers = graph.Consumers(n.Name);
            if (readers.Count != 1 || readers[0].Op is not (SoftmaxOp or WhereOp)) continue;
            rewrites[n] = (new Node(scale.Name, n.Op, [scale.Inputs[0], n.Inputs[1]]), new Node(n.Name, scale.Op, [scale.Name]));
            removed.Add(scale);
        }
        if (rewrites.Count == 0) return (graph, parameters);
        var nodes = new List<Node>();
        foreach (var n in graph.Nodes)
        {
            if (rewrites.TryGetValue(n, out var r)) { nodes.Add(r.Product); nodes.Add(r.Scale); }
            else if (!removed.Contains(n)) nodes.Add(n);
        }
        try { return (new Graph(graph.Inputs, nodes, graph.Outputs, graph.Name), parameters); }
        catch (ArgumentException) { return (graph, parameters); }
    }
}
