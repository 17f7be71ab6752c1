using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Teleportation;

/// <summary>The teleportable pairs of a graph and, for every other activation, why it is not one.</summary>
/// <param name="Pairs">Pairs in graph order.</param>
/// <param name="Rejected">One line per activation node that does not form a pair, naming the node and the reason.</param>
public sealed record TeleportPairSearch(IReadOnlyList<TeleportPair> Pairs, IReadOnlyList<string> Rejected);

/// <summary>
/// Finds teleportable layer pairs from the graph IR: a <see cref="LinearOp"/> whose output is read only by an
/// <see cref="ActivationOp"/> with an invertible function (<see cref="InvertibleActivations"/>), whose output is read
/// only by another <see cref="LinearOp"/>; neither value may be a graph output, and the first Linear must read a
/// per-sample vector (so its input over a batch is the matrix h of the construction).
/// </summary>
public static class TeleportPairFinder
{
    /// <summary>Searches <paramref name="graph"/>.</summary>
    public static TeleportPairSearch Find(Graph graph)
    {
        var pairs = new List<TeleportPair>();
        var rejected = new List<string>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not ActivationOp act) continue;
            var reason = Check(graph, node, act, out var pair);
            if (pair is not null) pairs.Add(pair);
            else rejected.Add($"{node.Name} ({act.Function.Name}): {reason}");
        }
        return new TeleportPairSearch(pairs, rejected);
    }

    private static string? Check(Graph graph, Node node, ActivationOp act, out TeleportPair? pair)
    {
        pair = null;
        if (!InvertibleActivations.TryGetInverse(act.Function, out var inverse, out var why)) return why;
        var inner = graph.Producer(node.Inputs[0]);
        if (inner?.Op is not LinearOp innerOp) return $"its input '{node.Inputs[0]}' is not produced by a Linear layer";
        if (innerOp.Frozen is not null) return $"'{inner.Name}' is W-asymmetric: its frozen entries admit no change of basis";
        if (graph.ShapeOf(inner.Inputs[0]).Length != 1)
            return $"'{inner.Name}' reads '{inner.Inputs[0]}' of per-sample shape {Noether.Tensors.Shapes.Format(graph.ShapeOf(inner.Inputs[0]))}, not a vector";
        if (graph.Consumers(inner.Name).Count != 1 || graph.Outputs.Contains(inner.Name))
            return $"the pre-activation '{inner.Name}' is read by more than the activation";
        var readers = graph.Consumers(node.Name);
        if (readers.Count != 1 || graph.Outputs.Contains(node.Name))
            return $"its output is read by {readers.Count} node(s){(graph.Outputs.Contains(node.Name) ? " and is a graph output" : "")}, not by one Linear layer only";
        if (readers[0].Op is not LinearOp outerOp) return $"its output is read by '{readers[0].Name}' ({readers[0].Op.Kind}), not by a Linear layer";
        if (outerOp.Frozen is not null) return $"'{readers[0].Name}' is W-asymmetric: its frozen entries admit no change of basis";
        pair = new TeleportPair(inner.Name, node.Name, readers[0].Name, act.Function, inverse, innerOp.Out);
        return null;
    }
}
