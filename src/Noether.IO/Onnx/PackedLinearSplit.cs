using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite for a packed projection unpacked by a reshape and a transpose (timm's ViT:
/// <c>qkv(x).reshape(B, N, 3, H, dk).permute(2, 0, 3, 1, 4).unbind(0)</c>, per sample
/// <c>Linear → Reshape[N,3,H,dk] → Transpose[1,2,0,3] → Slice[i:i+1] on axis 0 → Reshape[H,N,dk]</c> or
/// <c>Gather(axis 0, i)</c>; an einsum over the unpacked axes picks straight from the reshape, without the transpose). The reshape splits the output features into P packs (its first axis after the leading
/// ones); each pick of pack i becomes its own Linear holding rows [i·F/P, (i+1)·F/P) of the weight and bias, then the
/// reshape and transpose without the pack axis — the form <see cref="AttentionFusion"/> reads. The new Linear is
/// named <c>{linear}.{i}</c>; the pick keeps its name, so readers need no renaming. Every intermediate value must
/// be read only inside the pattern; otherwise nothing changes.
/// </summary>
internal static class PackedLinearSplit
{
    /// <summary>The graph with every such packed projection split, and its parameters; unchanged when none qualifies.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var replaced = new Dictionary<Node, List<Node>>();
        var removed = new HashSet<Node>();
        var moved = new Dictionary<string, Tensor<T>>(parameters);
        foreach (var n in graph.Nodes)
        {
            if (n.Op is not LinearOp linear || TryMatch(graph, n) is not var (reshape, transpose, picks)) continue;
            if (!parameters.TryGetValue($"{n.Name}.weight", out var weight) || linear.Bias && !parameters.ContainsKey($"{n.Name}.bias")) continue;
            var inner = graph.ShapeOf(n.Name);
            var packed = ((ReshapeOp)reshape.Op).Shape;
            int lead = inner.Length - 1, packs = packed[lead], width = linear.Out / packs;
            int[] heads = [.. packed[..lead], .. packed[(lead + 1)..]];
            var permutation = transpose is { Op: TransposeOp t } ? t.Permutation : Enumerable.Range(0, packed.Length).ToArray();
            int[] perm = permutation.Where(p => p != lead).Select(p => p > lead ? p - 1 : p).ToArray();
            var parts = new List<Node>();
            foreach (var (index, last, inside) in picks)
            {
                var part = new Node($"{n.Name}.{index}", linear with { Out = width }, n.Inputs);
                moved[$"{part.Name}.weight"] = weight.Slice(0, index * width, (index + 1) * width).Contiguous();
                if (linear.Bias) moved[$"{part.Name}.bias"] = parameters[$"{n.Name}.bias"].Slice(0, index * width, (index + 1) * width).Contiguous();
                bool transposes = perm.Where((p, i) => p != i).Any();
                var split = new Node(transposes ? $"{last.Name}.heads" : last.Name, new ReshapeOp(heads), [part.Name]);
                parts.Add(part);
                parts.Add(split);
                if (transposes) parts.Add(new Node(last.Name, new TransposeOp(perm), [split.Name]));
                removed.UnionWith(inside);
            }
            removed.Add(reshape);
            if (transpose is not null) removed.Add(transpose);
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

    /// <summary>The reshape, the transpose and each pick (pack index, its last node, its nodes), or null.</summary>
    private static (Node Reshape, Node? Transpose, List<(int Index, Node Last, Node[] Inside)> Picks)? TryMatch(Graph g, Node linear)
    {
        var shape = g.ShapeOf(linear.Name);
        int lead = shape.Length - 1, features = shape[lead];
        if (Sole(g, linear.Name) is not { Op: ReshapeOp r } reshape) return null;
        if (r.Shape.Length < lead + 2 || !r.Shape[..lead].SequenceEqual(shape[..lead]) || Shapes.Size(r.Shape[lead..]) != features) return null;
        int packs = r.Shape[lead];
        if (packs < 2) return null;
        // The transpose is optional: an einsum over the unpacked axes picks the packs straight from the reshape.
        var transpose = Sole(g, reshape.Name) is { Op: TransposeOp } only ? only : null;
        var picked = transpose ?? reshape;
        int at = transpose is { Op: TransposeOp t } ? Array.IndexOf(t.Permutation, lead) : lead;
        var unpacked = g.ShapeOf(picked.Name).Where((_, i) => i != at).ToArray();
        var readers = g.Consumers(picked.Name);
        if (readers.Count == 0 || g.Outputs.Contains(picked.Name)) return null;
        var picks = new List<(int, Node, Node[])>();
        foreach (var reader in readers)
        {
            switch (reader.Op)
            {
                case GatherOp { IndicesShape: [], Indices: [var i] } ga when ga.Axis == at && i >= -packs && i < packs:
                    picks.Add((i < 0 ? i + packs : i, reader, [reader]));
                    break;
                case SliceOp { Axes: [var axis], Starts: [var s], Ends: [var e], Steps: [1] } when axis == at:
                    long start = s < 0 ? s + packs : s, end = e < 0 ? e + packs : Math.Min(e, packs);
                    if (start < 0 || end != start + 1) return null;
                    if (Sole(g, reader.Name) is not { Op: ReshapeOp squeeze } squeezed || !squeeze.Shape.SequenceEqual(unpacked)) return null;
                    picks.Add(((int)start, squeezed, [reader, squeezed]));
                    break;
                default:
                    return null;
            }
        }
        if (picks.Select(p => p.Item1).Distinct().Count() != picks.Count) return null;
        return (reshape, transpose, picks);
    }

    private static Node? Sole(Graph g, string value)
    {
        var readers = g.Consumers(value);
        return readers.Count == 1 && !g.Outputs.Contains(value) ? readers[0] : null;
    }
}
