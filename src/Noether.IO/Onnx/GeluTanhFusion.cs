using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that folds the decomposed tanh approximation of GELU, ½x(1 + tanh(√(2/π)(x + 0.044715x³))),
/// into one <see cref="ActivationOp"/> with <see cref="Activation.GeluTanh"/>. The arithmetic is compared as a
/// polynomial, so every operand order and grouping matches: PyTorch's <c>GELU(approximate='tanh')</c> export (x·x·x,
/// ½·(x·(1 + t))), Hugging Face's NewGELU (pow(x, 3), (½x)·(1 + t)) and <see cref="OnnxExporter"/>'s form. The fused
/// node takes the name of the pattern's last node; intermediate values must be read only inside the pattern.
/// </summary>
internal static class GeluTanhFusion
{
    private static readonly Dictionary<(int X, int T), double> s_inner = new()
    {
        [(1, 0)] = GeluTanhActivation.C, [(3, 0)] = GeluTanhActivation.C * GeluTanhActivation.Kappa,
    };

    private static readonly Dictionary<(int X, int T), double> s_outer = new() { [(1, 0)] = 0.5, [(1, 1)] = 0.5 };

    /// <summary>The graph with every recognised tanh-GELU fused, and its parameters; unchanged when none matches.</summary>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => FusionPass.Apply(graph, parameters, TryMatch);

    /// <summary>Matches at a tanh node; the fused node replaces the pattern's last node, found among tanh's sole readers.</summary>
    private static (Node Fused, HashSet<Node> Removed)? TryMatch(Graph g, Node tanh)
    {
        if (tanh.Op is not ActivationOp { Function: TanhActivation }) return null;
        var innerMatcher = new SubgraphMatcher(g);
        var inner = new ElementwisePolynomial(g, innerMatcher, null, null);
        var u = inner.Read(tanh.Inputs[0]);
        if (u is null || inner.X is not { } x || !ElementwisePolynomial.Matches(u, s_inner)) return null;
        // Walk down from tanh through sole readers; the first node equal to ½x + ½x·t is the end of the pattern.
        string value = tanh.Name;
        for (int step = 0; step < 4; step++)
        {
            var readers = g.Consumers(value);
            if (readers.Count != 1 || g.Outputs.Contains(value)) return null;
            var root = readers[0];
            var outerMatcher = new SubgraphMatcher(g);
            var outer = new ElementwisePolynomial(g, outerMatcher, x, tanh.Name).ReadRoot(root) is { } p && ElementwisePolynomial.Matches(p, s_outer);
            if (outer && g.Consumers(tanh.Name).All(c => c == root || outerMatcher.Claimed.Contains(c)))
            {
                var removed = new HashSet<Node>(innerMatcher.Claimed) { tanh };
                removed.UnionWith(outerMatcher.Claimed);
                return (new Node(root.Name, new ActivationOp(Activation.GeluTanh), [x]), removed);
            }
            value = root.Name;
        }
        return null;
    }
}
