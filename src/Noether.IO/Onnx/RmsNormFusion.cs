using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that folds decomposed RMS normalisation back into one <see cref="RmsNormOp"/>. Recognised forms
/// over the last axis, ending in <c>Mul(·, weight[d])</c>: the mean square <c>Pow(x, 2)</c> or <c>Mul(x, x)</c> →
/// ReduceMean → Reshape[…, 1] → Add ε → Sqrt, then either <c>Div(x, ·)</c> (what <see cref="OnnxExporter"/> writes)
/// or <c>Mul(x, r)</c> with r = <c>Div(1, ·)</c> or <c>Reciprocal(·)</c> (PyTorch's <c>x * torch.rsqrt(…)</c>,
/// Llama/T5-style). The fused node keeps the name of the final Mul, so its gain stays <c>{node}.weight</c>. Every
/// intermediate value must be read only inside the pattern; otherwise nothing changes.
/// </summary>
internal static class RmsNormFusion
{
    /// <summary>The graph with every recognised RMS norm fused, and its parameters; unchanged when none matches.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => FusionPass.Apply(graph, parameters, TryMatch);

    private static (Node Fused, HashSet<Node> Removed)? TryMatch(Graph g, Node mul)
    {
        if (mul.Op is not ParameterBinaryOp { Function: BinaryFunction.Mul, Role: "weight", Trainable: true, Shape: [var d] }) return null;
        var matcher = new SubgraphMatcher(g);
        var removed = matcher.Claimed;
        Node? Inner(string value, Func<Op, bool> accept) => matcher.Inner(value, accept);

        var scaled = Inner(mul.Inputs[0], op => op is ElementwiseBinaryOp { Function: BinaryFunction.Div or BinaryFunction.Mul });
        if (scaled is null) return null;
        string x;
        Node? sqrt;
        if (scaled.Op is ElementwiseBinaryOp { Function: BinaryFunction.Div })
        {
            x = scaled.Inputs[0];
            sqrt = Inner(scaled.Inputs[1], IsSqrt);
        }
        else
        {
            // x · r with r = 1/√(…): find which operand is the reciprocal.
            int k = scaled.Inputs.ToList().FindIndex(v => g.Producer(v) is { } p && IsReciprocal(p.Op));
            if (k < 0) return null;
            x = scaled.Inputs[1 - k];
            var reciprocal = Inner(scaled.Inputs[k], IsReciprocal);
            sqrt = reciprocal is null ? null : Inner(reciprocal.Inputs[0], IsSqrt);
        }
        var shape = g.ShapeOf(x);
        if (shape.Length == 0 || shape[^1] != d || !g.ShapeOf(mul.Name).SequenceEqual(shape)) return null;
        var add = sqrt is null ? null : Inner(sqrt.Inputs[0], op => op is ScalarBinaryOp { Function: BinaryFunction.Add, Scalar: > 0 });
        var keep = add is null ? null : Inner(add.Inputs[0], op => op == new ReshapeOp([.. shape[..^1], 1]));
        var mean = keep is null ? null : Inner(keep.Inputs[0], op => op == new ReduceMeanOp(shape.Length - 1));
        var square = mean is null ? null : Inner(mean.Inputs[0], op => op is ScalarBinaryOp { Function: BinaryFunction.Pow, Scalar: 2, ScalarFirst: false }
            or ElementwiseBinaryOp { Function: BinaryFunction.Mul });
        if (square is null || square.Inputs.Any(i => i != x)) return null;
        return (new Node(mul.Name, new RmsNormOp(d, ((ScalarBinaryOp)add!.Op).Scalar), [x]), removed);
    }

    private static bool IsSqrt(Op op) => op is ElementwiseUnaryOp { Function: UnaryFunction.Sqrt };

    private static bool IsReciprocal(Op op) => op is ElementwiseUnaryOp { Function: UnaryFunction.Reciprocal }
        or ScalarBinaryOp { Function: BinaryFunction.Div, Scalar: 1, ScalarFirst: true };
}
