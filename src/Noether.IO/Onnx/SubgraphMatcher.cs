using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.IO;

/// <summary>
/// Walks a candidate pattern backwards for the import fusions: a producer joins the pattern only when its value has
/// exactly one reader (inside the pattern) and is not a graph output, so fusing cannot change what anything else sees.
/// </summary>
internal sealed class SubgraphMatcher(Graph graph)
{
    /// <summary>The nodes claimed so far (they disappear when the pattern is fused).</summary>
    public HashSet<Node> Claimed { get; } = new();

    /// <summary>The producer of <paramref name="value"/> when it qualifies and its op passes <paramref name="accept"/>, else null.</summary>
    public Node? Inner(string value, Func<Op, bool> accept)
    {
        var p = graph.Producer(value);
        if (p is null || !accept(p.Op) || graph.Consumers(value).Count != 1 || graph.Outputs.Contains(value)) return null;
        Claimed.Add(p);
        return p;
    }
}
