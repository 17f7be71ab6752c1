using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Runs one post-import fusion over a graph: the matcher looks at each node in turn; a match names the fused node,
/// which replaces the graph node of the same name (the pattern's last node), and the pattern's inner nodes disappear. Overlapping matches keep the first; a rewrite that would not validate is dropped.
/// </summary>
internal static class FusionPass
{
    /// <summary>A match found at <c>root</c>: the fused node (named like the node it replaces) and the inner nodes to remove.</summary>
    public delegate (Node Fused, HashSet<Node> Removed)? Matcher(Graph graph, Node root);

    /// <summary>The graph with every match fused; unchanged when nothing matches.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters, Matcher match) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var fused = new Dictionary<Node, Node>();
        var removed = new HashSet<Node>();
        foreach (var n in graph.Nodes)
        {
            if (removed.Contains(n) || fused.ContainsKey(n)) continue;
            if (match(graph, n) is not var (node, inner) || inner.Overlaps(removed) || inner.Any(fused.ContainsKey)) continue;
            var replaced = graph.Producer(node.Name) ?? throw new InvalidOperationException($"fused node '{node.Name}' replaces no node");
            if (removed.Contains(replaced) || fused.ContainsKey(replaced) || inner.Contains(replaced)) continue;
            fused[replaced] = node;
            removed.UnionWith(inner);
        }
        if (fused.Count == 0) return (graph, parameters);
        var nodes = graph.Nodes.Where(n => !removed.Contains(n)).Select(n => fused.GetValueOrDefault(n, n)).ToArray();
        try { return (new Graph(graph.Inputs, nodes, graph.Outputs, graph.Name), parameters); }
        catch (ArgumentException) { return (graph, parameters); }
    }
}
