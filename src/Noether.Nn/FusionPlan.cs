using System.Runtime.CompilerServices;
using Noether.Nn.Operations;

namespace Noether.Nn;

/// <summary>A chain of nodes the executor runs as one fused kernel; <see cref="Last"/> names the value it produces.</summary>
/// <param name="Head">The Linear, Conv2d or (at inference) residual Add node that starts the chain.</param>
/// <param name="Norm">The inference BatchNorm folded into a Conv2d, or null.</param>
/// <param name="Relu">The ReLU applied in the same pass, or null.</param>
internal sealed record FusedChain(Node Head, Node? Norm, Node? Relu)
{
    /// <summary>The node whose value the chain produces.</summary>
    public Node Last => Relu ?? Norm ?? Head;
}

/// <summary>
/// The fusions the executor may apply to a graph: Linear (→ ReLU) (training and inference), and at inference
/// Conv2d → BatchNorm (folded into the convolution's weights and bias) → ReLU and residual Add → ReLU. A node is absorbed into a chain only
/// when the chain's next node is its single reader and it is not a graph output, so no other node sees the
/// difference; fused values that are not the chain's last are absent from the forward pass's values.
/// </summary>
internal sealed class FusionPlan
{
    private static readonly ConditionalWeakTable<Graph, FusionPlan> s_training = new(), s_inference = new();

    private FusionPlan(Dictionary<string, FusedChain> chains)
    {
        Chains = chains;
        Absorbed = chains.Values.SelectMany(c => new[] { c.Head, c.Norm, c.Relu }).OfType<Node>().Where(n => !chains.ContainsKey(n.Name)).Select(n => n.Name).ToHashSet();
    }

    /// <summary>Chains by the name of their last node.</summary>
    public IReadOnlyDictionary<string, FusedChain> Chains { get; }

    /// <summary>Nodes computed inside a chain that ends elsewhere (skipped when reached).</summary>
    public IReadOnlySet<string> Absorbed { get; }

    /// <summary>The plan for a graph (cached per graph), for training or for inference without gradients.</summary>
    public static FusionPlan For(Graph g, bool inference) =>
        (inference ? s_inference : s_training).GetValue(g, graph => new FusionPlan(Find(graph, inference)));

    private static Dictionary<string, FusedChain> Find(Graph g, bool inference)
    {
        var readers = new Dictionary<string, List<Node>>();
        foreach (var node in g.Nodes)
            foreach (var input in node.Inputs)
            {
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = new List<Node>();
                list.Add(node);
            }
        var outputs = g.Outputs.ToHashSet();
        Node? SoleReader(Node n) =>
            !outputs.Contains(n.Name) && readers.TryGetValue(n.Name, out var r) && r.Count == 1 && r[0].Inputs.Count == 1 ? r[0] : null;
        static bool IsRelu(Node? n) => n?.Op is ActivationOp { Function: var f } && f == Activation.Relu;
        var chains = new Dictionary<string, FusedChain>();
        foreach (var node in g.Nodes)
        {
            if (node.Op is LinearOp)
            {
                // Every Linear runs as one fused node (bias in the GEMM's pass), with the ReLU when it is the sole reader.
                var next = SoleReader(node);
                var chain = new FusedChain(node, null, IsRelu(next) ? next : null);
                chains[chain.Last.Name] = chain;
            }
            else if (inference && node.Op is AddOp)
            {
                var next = SoleReader(node);
                if (IsRelu(next)) chains[next!.Name] = new FusedChain(node, null, next);
            }
            else if (inference && node.Op is Conv2dOp { Frozen: null })
            {
                // (A W-asymmetric conv runs unfused: the folded weight would skip its frozen entries' fixed values.)
                var norm = SoleReader(node);
                if (norm?.Op is not BatchNormOp { } bn || bn.Features != ((Conv2dOp)node.Op).Out) continue;
                var relu = SoleReader(norm);
                var chain = new FusedChain(node, norm, IsRelu(relu) ? relu : null);
                chains[chain.Last.Name] = chain;
            }
        }
        return chains;
    }
}
