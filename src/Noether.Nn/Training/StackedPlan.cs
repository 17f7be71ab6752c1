using Noether.Nn.Operations;

namespace Noether.Nn.Training;

/// <summary>One node of a <see cref="StackedPlan"/>: a Linear layer or an elementwise activation.</summary>
/// <param name="Name">The graph node's name.</param>
/// <param name="Width">Features per sample of the node's output.</param>
/// <param name="Linear">The layer, or null for an activation.</param>
/// <param name="Activation">The activation, or null for a Linear layer.</param>
internal sealed record StackedNode(string Name, int Width, LinearOp? Linear, Activation? Activation);

/// <summary>
/// The shape of a graph that <see cref="ModelBatch{T}"/> can train: one input of per-sample shape [F], then a chain
/// of Linear layers and elementwise activations, each node reading the one before, ending in the only output.
/// </summary>
internal sealed class StackedPlan
{
    private StackedPlan(int inputs, IReadOnlyList<StackedNode> nodes) { Inputs = inputs; Nodes = nodes; }

    /// <summary>Features per input sample.</summary>
    public int Inputs { get; }

    /// <summary>The chain, in order.</summary>
    public IReadOnlyList<StackedNode> Nodes { get; }

    /// <summary>Logits per sample.</summary>
    public int Outputs => Nodes[^1].Width;

    /// <summary>Reads a graph, or throws <see cref="NotSupportedException"/> naming the first node it cannot train.</summary>
    public static StackedPlan Of(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        string head = $"ModelBatch trains chains of Linear layers and elementwise activations; graph '{graph.Name}'";
        if (graph.Inputs.Count != 1 || graph.Inputs[0].Shape.Length != 1 || graph.Inputs[0].ElementType is not null || graph.Inputs[0].BatchAxis != 0)
            throw new NotSupportedException($"{head} must have one floating-point input of shape [features], " +
                $"has {string.Join(", ", graph.Inputs)}");
        if (graph.Outputs.Count != 1)
            throw new NotSupportedException($"{head} must have one output, has {graph.Outputs.Count}");
        if (graph.Nodes.Count == 0 || graph.Nodes[^1].Name != graph.Outputs[0])
            throw new NotSupportedException($"{head} must end in its output node, but its output is '{graph.Outputs[0]}'");
        var nodes = new List<StackedNode>();
        string previous = graph.Inputs[0].Name;
        foreach (var node in graph.Nodes)
        {
            if (node.Inputs.Count != 1 || node.Inputs[0] != previous)
                throw new NotSupportedException($"{head}: node '{node.Name}' ({node.Op.Kind}) reads {string.Join(", ", node.Inputs.Select(i => $"'{i}'"))}, not the node before it ('{previous}')");
            int width = graph.ShapeOf(node.Name) is [var w] ? w
                : throw new NotSupportedException($"{head}: node '{node.Name}' ({node.Op.Kind}) has per-sample shape {Noether.Tensors.Shapes.Format(graph.ShapeOf(node.Name))}, not [features]");
            nodes.Add(node.Op switch
            {
                LinearOp l => new StackedNode(node.Name, width, l, null),
                ActivationOp a => new StackedNode(node.Name, width, null, a.Function),
                _ => throw new NotSupportedException($"{head}: node '{node.Name}' is {node.Op.Kind} ({node.Op.Describe()}), which it cannot train"),
            });
            previous = node.Name;
        }
        return new StackedPlan(graph.Inputs[0].Shape[0], nodes);
    }
}
