using Noether.Nn.Operations;

namespace Noether.Nn.Architectures;

/// <summary>How a model's parameter symmetries are removed (Lim et al., NeurIPS 2024).</summary>
public enum AsymmetryKind
{
    /// <summary>The standard model.</summary>
    None,
    /// <summary>W-asymmetric: every Linear and Conv2d gets frozen entries in each row.</summary>
    W,
    /// <summary>σ-asymmetric: every activation becomes FiGLU with a fixed random F.</summary>
    Sigma,
}

/// <summary>
/// Turns a standard architecture into its asymmetric variant, keeping node (and so parameter) names. Per-layer seeds
/// follow from <see cref="Seed"/> and the node's position (<see cref="FrozenWeights.LayerSeed"/>): two models built
/// with one seed share their fixed weights whatever their training seeds, as the paper's LMC experiments need.
/// </summary>
/// <param name="Kind">Which variant.</param>
/// <param name="FrozenPerRow">W: frozen entries per row, capped at half the row (a 3×3 kernel on one channel keeps 4).</param>
/// <param name="Kappa">W: scale κ of the fixed Gaussian values.</param>
/// <param name="Seed">Seed of every fixed weight (masks, values, FiGLU matrices).</param>
/// <param name="Gain">σ: scale of FiGLU's F (entries N(0, Gain²/C)).</param>
public sealed record Asymmetry(AsymmetryKind Kind, int FrozenPerRow = 64, double Kappa = 1, ulong Seed = 0, double Gain = 1)
{
    /// <summary>The standard model.</summary>
    public static Asymmetry None { get; } = new(AsymmetryKind.None);

    /// <summary>"none", "w" or "sigma".</summary>
    public static AsymmetryKind ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "none" => AsymmetryKind.None,
        "w" => AsymmetryKind.W,
        "sigma" or "σ" => AsymmetryKind.Sigma,
        _ => throw new ArgumentException($"Unknown asymmetry '{text}' (none, w, sigma)"),
    };

    /// <summary>The graph with this asymmetry applied (the graph itself for <see cref="AsymmetryKind.None"/>).</summary>
    public Graph Apply(Graph graph)
    {
        if (Kind == AsymmetryKind.None) return graph;
        if (FrozenPerRow < 1) throw new ArgumentException($"frozen entries per row must be positive, got {FrozenPerRow}");
        if (!double.IsFinite(Kappa) || Kappa == 0) throw new ArgumentException($"κ must be finite and non-zero, got {Kappa}");
        var nodes = new List<Node>(graph.Nodes.Count);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var n = graph.Nodes[i];
            Op op = (Kind, n.Op) switch
            {
                (AsymmetryKind.W, LinearOp l) => l with { Frozen = Frozen(l.In, i) },
                (AsymmetryKind.W, Conv2dOp c) => c with { Frozen = Frozen(c.In / Math.Max(1, c.Options.Groups) * c.KernelH * c.KernelW, i) },
                (AsymmetryKind.Sigma, ActivationOp) => Figlu(graph.ShapeOf(n.Name), i),
                _ => n.Op,
            };
            nodes.Add(op == n.Op ? n : n with { Op = op });
        }
        return new Graph(graph.Inputs, nodes, graph.Outputs, graph.Name);
    }

    private FrozenWeights Frozen(int rowLength, int node)
        => new(Math.Max(1, Math.Min(FrozenPerRow, rowLength / 2)), Kappa, FrozenWeights.LayerSeed(Seed, node));

    private FigluOp Figlu(int[] shape, int node) => new(shape.Length == 3 ? shape[0] : shape[^1], FrozenWeights.LayerSeed(Seed, node), Gain);
}
