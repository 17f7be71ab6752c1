using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that splits a Linear read only through slices of its output features into one Linear per
/// slice: nanoGPT's and GPT-2's fused <c>c_attn</c> (q, k and v in one projection, then <c>qkv.split(d)</c>) becomes
/// three projections, so attention fusion and the deriver see separate query, key and value spaces. Each new Linear
/// is named after its slice and holds those rows of the weight and bias (copies of the same file elements, so
/// write-back still traces them). The slices must be unit-step, cover disjoint ranges of the last axis, and the
/// Linear's output must not be a graph output; otherwise nothing changes.
/// </summary>
internal static class LinearSplit
{
    /// <summary>The graph with every such Linear split, and its parameters; unchanged when none qualifies.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var replaced = new Dictionary<Node, List<Node>>();
        var removed = new HashSet<Node>();
        var moved = new Dictionary<string, Tensor<T>>(parameters);
        foreach (var n in graph.Nodes)
        {
            if (n.Op is not LinearOp linear || graph.Outputs.Contains(n.Name)) continue;
            var readers = graph.Consumers(n.Name);
            var ranges = readers.Select(r => Range(graph, n, r)).ToList();
            if (readers.Count < 2 || ranges.Any(r => r is null) || Overlap(ranges!)) continue;
            var parts = new List<Node>();
            foreach (var (reader, range) in readers.Zip(ranges))
            {
                var (start, end) = range!.Value;
                var part = new Node(reader.Name, linear with { Out = end - start }, n.Inputs);
                parts.Add(part);
                moved[$"{part.Name}.weight"] = parameters[$"{n.Name}.weight"].Slice(0, start, end).Contiguous();
                if (linear.Bias) moved[$"{part.Name}.bias"] = parameters[$"{n.Name}.bias"].Slice(0, start, end).Contiguous();
                removed.Add(reader);
            }
            moved.Remove($"{n.Name}.weight");
            moved.Remove($"{n.Name}.bias");
            replaced[n] = parts;
        }
        if (replaced.Count == 0) return (graph, parameters);
        var nodes = new List<Node>();
        foreach (var n in graph.Nodes)
        {
            if (replaced.TryGetValue(n, out var parts)) nodes.AddRange(parts);
            else if (!removed.Contains(n)) nodes.Add(n);
        }
        try { return (new Graph(graph.Inputs, nodes, graph.Outputs, graph.Name), moved); }
        catch (ArgumentException) { return (graph, parameters); }
    }

    /// <summary>[start, end) of the output features a reader slices, or null when it is not such a slice.</summary>
    private static (int Start, int End)? Range(Graph g, Node linear, Node reader)
    {
        var shape = g.ShapeOf(linear.Name);
        int last = shape.Length - 1, d = shape[last];
        if (reader.Op is not SliceOp { Axes: [var axis] } s || (axis < 0 ? axis + shape.Length : axis) != last || s.Steps[0] != 1) return null;
        long start = s.Starts[0] < 0 ? s.Starts[0] + d : s.Starts[0], end = s.Ends[0] < 0 ? s.Ends[0] + d : Math.Min(s.Ends[0], d);
        return start >= 0 && start < end && end <= d ? ((int)start, (int)end) : null;
    }

    private static bool Overlap(List<(int Start, int End)?> ranges)
    {
        var sorted = ranges.Select(r => r!.Value).OrderBy(r => r.Start).ToList();
        return sorted.Zip(sorted.Skip(1)).Any(p => p.Second.Start < p.First.End);
    }
}
