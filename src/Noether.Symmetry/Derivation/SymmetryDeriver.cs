using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

/// <summary>
/// Derives the weight-space symmetry group of a graph (SPEC §1): every hidden channel space gets the intersection of
/// what each op touching it tolerates. Linear maps tolerate GL on both sides; activations restrict to their
/// intertwiner group G_σ (and relate pre- and post-activation through φ); norms align channels but absorb per-channel
/// scales on their input side; graph inputs and outputs are fixed. Attention adds head permutations and per-head
/// GL(d_k) on (W_Q, W_K) and on (W_V, W_O).
/// </summary>
public static partial class SymmetryDeriver
{
    /// <summary>Derives the spec of <paramref name="graph"/>.</summary>
    public static WeightSpaceSpec Derive(Graph graph, DerivationOptions? options = null) => Derive(graph, options, CancellationToken.None);

    /// <summary>Derives the spec of <paramref name="graph"/>; <paramref name="cancel"/> stops it between nodes and between channel spaces.</summary>
    public static WeightSpaceSpec Derive(Graph graph, DerivationOptions? options, CancellationToken cancel)
    {
        var state = new State(graph, options ?? DerivationOptions.Default);
        foreach (var input in graph.Inputs) { state.Declare(input.Name, State.DefaultInfo(input.Shape)); state.Constrain(input.Name, null, $"graph input '{input.Name}' is fixed"); }
        foreach (var node in graph.Nodes)
        {
            cancel.ThrowIfCancellationRequested();
            state.Visit(node);
        }
        foreach (var output in graph.Outputs)
        {
            state.Constrain(output, null, $"graph output '{output}' is fixed");
            state.FixConcat(output, $"graph output '{output}' is fixed");
        }
        return state.Resolve(cancel);
    }

    /// <summary>Where a value's channels live: axis (per-sample), channel count, entries per channel along that axis.</summary>
    internal readonly record struct ChannelInfo(int Axis, int Channels, int Block)
    {
        public bool HasChannels => Axis >= 0 && Channels > 0;
    }

    private sealed record Binding(string Value, string Parameter, int Axis, int Offset, int Length, int Block, AxisRule Rule, string? ReferenceValue = null);
    private sealed record Constraint(string Value, Func<int, Group>? Tolerated, string Reason);
    private sealed record Dependency(string Output, string Input, PhiMap Phi, string Reason);
}
