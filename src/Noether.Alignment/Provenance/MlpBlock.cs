using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Alignment.Provenance;

/// <summary>
/// One MLP of a model, found from the graph's structure (names are not trusted): a gated MLP
/// <c>down(act(gate·x) ⊙ up·x)</c> (Llama, Mistral, Qwen) or a plain one <c>down(act(in·x))</c> (GPT-2).
/// </summary>
/// <param name="Index">Position among the model's MLPs, in graph order.</param>
/// <param name="Gate">The gate projection's weight [m, d], null for a plain MLP.</param>
/// <param name="Up">The up (or input) projection's weight [m, d].</param>
/// <param name="Down">The down (output) projection's weight [d, m].</param>
/// <param name="NormGain">The gain of the norm feeding gate and up, folded into their columns when present.</param>
/// <param name="Units">Hidden units m.</param>
/// <param name="Width">Stream width d the projections read.</param>
public sealed record MlpBlock(int Index, string? Gate, string Up, string Down, string? NormGain, int Units, int Width)
{
    /// <summary>Whether the MLP is gated (SwiGLU, GeGLU).</summary>
    public bool Gated => Gate is not null;

    /// <summary>"gate/up" or "in/out": the two views whose matchings are compared.</summary>
    public string Views => Gated ? "gate/up" : "in/out";

    /// <summary>Every MLP of the graph, in graph order.</summary>
    public static IReadOnlyList<MlpBlock> Find(Graph graph)
    {
        var blocks = new List<MlpBlock>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not LinearOp down || graph.Producer(node.Inputs[0]) is not { } hidden) continue;
            Node? gate = null, up = null;
            if (hidden.Op is ElementwiseBinaryOp { Function: BinaryFunction.Mul })
            {
                var (a, b) = (graph.Producer(hidden.Inputs[0]), graph.Producer(hidden.Inputs[1]));
                if (ActivatedLinear(graph, a) is { } g1 && PlainLinear(b) is { } u1) (gate, up) = (g1, u1);
                else if (ActivatedLinear(graph, b) is { } g2 && PlainLinear(a) is { } u2) (gate, up) = (g2, u2);
                else continue;
                if (gate.Inputs[0] != up.Inputs[0]) continue;
            }
            else if (ActivatedLinear(graph, hidden) is { } input) up = input;
            else continue;
            var upOp = (LinearOp)up.Op;
            if (upOp.Out != down.In) continue;
            string? gain = graph.Producer(up.Inputs[0])?.Op switch
            {
                RmsNormOp { Affine: true } or LayerNormOp { Affine: true } => $"{graph.Producer(up.Inputs[0])!.Name}.weight",
                _ => null,
            };
            blocks.Add(new MlpBlock(blocks.Count, gate is null ? null : $"{gate.Name}.weight", $"{up.Name}.weight", $"{node.Name}.weight", gain, upOp.Out, upOp.In));
        }
        return blocks;
    }

    private static Node? PlainLinear(Node? n) => n?.Op is LinearOp ? n : null;

    private static Node? ActivatedLinear(Graph graph, Node? n)
        => n?.Op is ActivationOp && graph.Producer(n.Inputs[0]) is { Op: LinearOp } linear ? linear : null;
}
