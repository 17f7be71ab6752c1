using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that folds decomposed RMS normalisation back into one <see cref="RmsNormOp"/>. Recognised form
/// (what <see cref="OnnxExporter"/> writes): <c>Pow(x, 2) → ReduceMean(last axis) → Reshape[…, 1] → Add ε → Sqrt →
/// Div(x, ·) → Mul(·, weight[d])</c>. The fused node keeps the name of the final Mul, so its gain stays
/// <c>{node}.weight</c>. Every intermediate value must be read only inside the pattern; otherwise nothing changes.
/// </summary>
internal static class RmsNormFusion
{
    /// <summary>The graph with every recognised RMS norm fused, and its parameters; unchanged when none matches.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<double>> Parameters) Apply(Graph graph, Dictionary<string, Tensor<double>> parameters)
    {
        var fused = new Dictionary<Node, Node>();
        var removed = new HashSet<Node>();
        foreach (var n in graph.Nodes)
        {
            if (TryMatch(graph, n) is not var (node, inner) || inner.Overlaps(removed)) continue;
            fused[n] = node;
            removed.UnionWith(inner);
        }
        if (fused.Count == 0) return (graph, parameters);
        var nodes = graph.Nodes.Where(n => !removed.Contains(n)).Select(n => fused.GetValueOrDefault(n, n)).ToArray();
        try { return (new Graph(graph.Inputs, nodes, graph.Outputs, graph.Name), parameters); }
        catch (ArgumentException) { return (graph, parameters); }
    }

    private static (Node Fused, HashSet<Node> Removed)? TryMatch(Graph g, Node mul)
    {
        if (mul.Op is not ParameterBinaryOp { Function: BinaryFunction.Mul, Role: "weight", Trainable: true, Shape: [var d] }) return null;
        var matcher = new SubgraphMatcher(g);
        var removed = matcher.Claimed;
        Node? Inner(string value, Func<Op, bool> accept) => matcher.Inner(value, accept);

        var div = Inner(mul.Inputs[0], op => op is ElementwiseBinaryOp { Function: BinaryFunction.Div });
        if (div is null) return null;
        string x = div.Inputs[0];
        var shape = g.ShapeOf(x);
        if (shape.Length == 0 || shape[^1] != d || !g.ShapeOf(mul.Name).SequenceEqual(shape)) return null;
        var sqrt = Inner(div.Inputs[1], op => op is ElementwiseUnaryOp { Function: UnaryFunction.Sqrt });
        var add = sqrt is null ? null : Inner(sqrt.Inputs[0], op => op is ScalarBinaryOp { Function: BinaryFunction.Add, Scalar: > 0 });
        var keep = add is null ? null : Inner(add.Inputs[0], op => op == new ReshapeOp([.. shape[..^1], 1]));
        var mean = keep is null ? null : Inner(keep.Inputs[0], op => op == new ReduceMeanOp(shape.Length - 1));
        var square = mean is null ? null : Inner(mean.Inputs[0], op => op is ScalarBinaryOp { Function: BinaryFunction.Pow, Scalar: 2, ScalarFirst: false });
        if (square is null || square.Inputs[0] != x) return null;
        return (new Node(mul.Name, new RmsNormOp(d, ((ScalarBinaryOp)add!.Op).Scalar), [x]), removed);
    }
}
