using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Post-import rewrite that folds decomposed multi-head self-attention back into one <see cref="AttentionOp"/>.
/// Recognised form (what <see cref="OnnxExporter"/> writes, per sample, S tokens, D = H·d_k):
/// <c>q = Transpose[1,0,2](Reshape[S,H,dk](Linear_q(x)))</c>, the same for k and v with KvH heads (for grouped-query
/// heads followed by <c>Reshape[KvH,1,S,dk] → Expand[KvH,H/KvH,S,dk] → Reshape[H,S,dk]</c>),
/// <c>scores = MatMul(q, Transpose[0,2,1](k)) · 1/√dk</c> (or <c>/ √dk</c>; kᵀ may also be one
/// <c>Transpose[1,2,0]</c> of <c>Reshape[S,H,dk]</c>, as PyTorch folds <c>k.transpose(1, 2).transpose(-2, -1)</c>), optionally
/// <c>Where(causal, scores, −∞)</c> with an exactly lower-triangular condition, <c>Softmax</c> on the last axis,
/// <c>MatMul(·, v)</c>, <c>Transpose[1,0,2]</c>, <c>Reshape[S,D]</c>, <c>Linear_o</c>.
/// <para>
/// The fused node is named after the q projection without its <c>.q_proj</c> suffix (<c>blocks.0.attn.q_proj</c> →
/// <c>blocks.0.attn</c>), or after the output projection when the q projection has no such suffix; readers of the
/// output projection are redirected to it. Parameters move to <c>{node}.q_proj.weight</c> etc. unchanged
/// (<see cref="LinearOp"/> and <see cref="AttentionOp"/> both store [Out, In]).
/// </para>
/// Every check is strict — shapes, attributes, the exact scale, the exact mask, q, k and v projections with the same
/// bias setting (o_proj with or without one), and every intermediate value read only inside the pattern; when any check fails the subgraph is left
/// as it is.
/// </summary>
internal static partial class AttentionFusion
{
    private sealed record Match(Node Output, string Input, string Name, AttentionOp Op, HashSet<Node> Removed, Dictionary<string, string> Projections);

    /// <summary>The graph with every recognised attention subgraph fused, and its parameters; unchanged when none matches.</summary>
    /// <param name="knownRotary">Rotary embeddings by fused node name, for tables that cannot be read (write-back's probe).</param>
    public static (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Apply<T>(Graph graph, Dictionary<string, Tensor<T>> parameters,
        IReadOnlyDictionary<string, RotaryEmbedding>? knownRotary = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var matches = new List<Match>();
        var claimed = new HashSet<Node>();
        foreach (var n in graph.Nodes)
        {
            if (n.Op is not SoftmaxOp) continue;
            var m = TryMatch(graph, parameters, n) ?? TryMatchRotary(graph, parameters, n, knownRotary);
            if (m is null || m.Removed.Overlaps(claimed)) continue;
            claimed.UnionWith(m.Removed);
            matches.Add(m);
        }
        if (matches.Count == 0) return (graph, parameters);

        var removedNames = claimed.Select(n => n.Name).ToHashSet();
        var rename = new Dictionary<string, string>();
        var usedNames = graph.Nodes.Where(n => !removedNames.Contains(n.Name)).Select(n => n.Name).Concat(graph.Inputs.Select(i => i.Name)).ToHashSet();
        var accepted = new List<Match>();
        foreach (var m in matches)
        {
            // The fused name must not clash with a value that stays in the graph.
            if (!usedNames.Add(m.Name)) continue;
            accepted.Add(m);
            if (m.Name != m.Output.Name) rename[m.Output.Name] = m.Name;
        }
        if (accepted.Count == 0) return (graph, parameters);

        var removed = accepted.SelectMany(m => m.Removed).ToHashSet();
        var fusedAt = accepted.ToDictionary(m => m.Output, m => new Node(m.Name, m.Op, [m.Input]));
        string Renamed(string v) => rename.GetValueOrDefault(v, v);
        var nodes = new List<Node>();
        foreach (var n in graph.Nodes)
        {
            if (fusedAt.TryGetValue(n, out var fused)) nodes.Add(fused with { Inputs = [Renamed(fused.Inputs[0])] });
            else if (!removed.Contains(n)) nodes.Add(n with { Inputs = n.Inputs.Select(Renamed).ToArray() });
        }

        var moved = new Dictionary<string, Tensor<T>>(parameters);
        foreach (var n in removed)
            foreach (var slot in n.Op.Parameters) moved.Remove($"{n.Name}.{slot.Role}");
        foreach (var m in accepted)
            foreach (var (role, linear) in m.Projections)
            {
                moved[$"{m.Name}.{role}.weight"] = parameters[$"{linear}.weight"];
                if (role == "o_proj" ? m.Op.HasOutputBias : m.Op.Bias) moved[$"{m.Name}.{role}.bias"] = parameters[$"{linear}.bias"];
            }

        try
        {
            var fusedGraph = new Graph(graph.Inputs, nodes, graph.Outputs.Select(Renamed).ToArray(), graph.Name);
            return fusedGraph.Parameters.All(p => moved.ContainsKey(p.Name)) ? (fusedGraph, moved) : (graph, parameters);
        }
        catch (ArgumentException)
        {
            // A name clash the checks above did not foresee: keep the decomposed (and correct) graph.
            return (graph, parameters);
        }
    }

    private static Match? TryMatch<T>(Graph g, Dictionary<string, Tensor<T>> parameters, Node softmax) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var matcher = new SubgraphMatcher(g);
        var removed = matcher.Claimed;
        Node? Inner(string value, Func<Op, bool> accept) => matcher.Inner(value, accept);

        var sShape = g.ShapeOf(softmax.Name);
        if (sShape.Length != 3 || sShape[1] != sShape[2]) return null;
        int heads = sShape[0], s = sShape[1];
        if (softmax.Op is not SoftmaxOp { Axis: -1 or 2 }) return null;
        removed.Add(softmax);

        // Softmax → MatMul(·, v) → Transpose → Reshape → o projection.
        var readers = g.Consumers(softmax.Name);
        if (readers.Count != 1 || g.Outputs.Contains(softmax.Name) || readers[0].Op is not MatMulOp || readers[0].Inputs[0] != softmax.Name) return null;
        var attended = readers[0];
        removed.Add(attended);
        var merged = Only(g, attended.Name, new TransposeOp([1, 0, 2]));
        if (merged is null) return null;
        removed.Add(merged);
        var flat = Only(g, merged.Name, null);
        if (flat?.Op is not ReshapeOp) return null;
        removed.Add(flat);
        var o = Only(g, flat.Name, null);
        if (o?.Op is not LinearOp oLinear) return null;
        removed.Add(o);
        int model = oLinear.Out;
        if (heads < 1 || model % heads != 0) return null;
        int dk = model / heads;
        if (flat.Op != new ReshapeOp([s, model]) || oLinear.In != model) return null;

        // Scores: optional causal Where, scale, MatMul(q, kᵀ).
        var before = softmax.Inputs[0];
        bool causal = false;
        if (g.Producer(before)?.Op is WhereOp)
        {
            // The mask may carry leading axes of size 1 (a [1, S, S] slice of a registered buffer).
            // Where(keep, scores, −∞), or Where(drop, −∞, scores) as masked_fill(mask == 0, −inf) exports it.
            static bool MinusInfinity(double? v) => v is double x && double.IsNegativeInfinity(x);
            var where = Inner(before, op => op is WhereOp w && (w.ScalarA is null && MinusInfinity(w.ScalarB) || w.ScalarB is null && MinusInfinity(w.ScalarA))
                && w.ConditionShape.SkipWhile(d => d == 1).SequenceEqual([s, s]));
            if (where is null || !parameters.TryGetValue($"{where.Name}.condition", out var conditionT)) return null;
            var condition = Float64(conditionT);
            var keep = ((WhereOp)where.Op).ScalarA is null ? condition.Reshape(s, s) : condition.Reshape(s, s).Map(c => 1 - c);
            if (!IsCausal(keep, s)) return null;
            causal = true;
            before = where.Inputs[0];
        }
        var scale = Inner(before, op => IsScale(op, dk));
        if (scale is null) return null;
        var scores = Inner(scale.Inputs[0], op => op is MatMulOp);
        if (scores is null) return null;
        // kᵀ as Transpose[0,2,1] of the k heads, or (PyTorch's k.permute(1, 2, 0) folded into one) Transpose[1,2,0]
        // straight from Reshape[S,H,dk].
        var kT = g.Producer(scores.Inputs[1])?.Op == new TransposeOp([1, 2, 0])
            ? Inner(scores.Inputs[1], op => op == new TransposeOp([1, 2, 0]))
            : Inner(scores.Inputs[1], op => op == new TransposeOp([0, 2, 1]));
        if (kT is null) return null;
        bool folded = kT.Op == new TransposeOp([1, 2, 0]);

        // Head splits back to the three projections of one input.
        var q = Split(g, scores.Inputs[0], s, heads, dk, Inner);
        int kvHeads = folded ? heads : 0;
        for (int h = 1; h <= heads && kvHeads == 0; h++)
            if (heads % h == 0 && Repeated(g, kT.Inputs[0], s, h, heads, dk, Inner, dryRun: true)) kvHeads = h;
        if (q is null || kvHeads == 0) return null;
        var k = folded ? HeadsOf(kT.Inputs[0], s, heads, dk, Inner) : Repeated(g, kT.Inputs[0], s, kvHeads, heads, dk, Inner);
        var v = Repeated(g, attended.Inputs[1], s, kvHeads, heads, dk, Inner);
        if (k is null || v is null) return null;

        var projections = new[] { q, k, v };
        var lin = projections.Select(p => (LinearOp)p.Op).ToArray();
        string x = q.Inputs[0];
        if (projections.Any(p => p.Inputs[0] != x) || g.ShapeOf(x) is not [var sx, var d] || sx != s || d != model) return null;
        if (lin[0].In != model || lin[0].Out != heads * dk || lin.Skip(1).Any(l => l.In != model || l.Out != kvHeads * dk)) return null;
        // q, k and v share one bias setting; o_proj may differ (Qwen2: biases on q, k, v only).
        bool bias = lin[0].Bias;
        if (lin.Any(l => l.Bias != bias)) return null;
        if (projections.Any(p => !parameters.ContainsKey($"{p.Name}.weight") || bias && !parameters.ContainsKey($"{p.Name}.bias"))) return null;
        if (!parameters.ContainsKey($"{o.Name}.weight") || oLinear.Bias && !parameters.ContainsKey($"{o.Name}.bias")) return null;

        string name = q.Name.EndsWith(".q_proj", StringComparison.Ordinal) && q.Name.Length > ".q_proj".Length ? q.Name[..^".q_proj".Length] : o.Name;
        var roles = new Dictionary<string, string> { ["q_proj"] = q.Name, ["k_proj"] = k.Name, ["v_proj"] = v.Name, ["o_proj"] = o.Name };
        return new Match(o, x, name, new AttentionOp(model, heads, kvHeads, causal, bias, null, oLinear.Bias == bias ? null : oLinear.Bias), removed, roles);
    }

    /// <summary>The single reader of a value, when it has exactly one and (if given) runs the expected op.</summary>
    private static Node? Only(Graph g, string value, Op? expected)
    {
        var readers = g.Consumers(value);
        if (readers.Count != 1 || g.Outputs.Contains(value)) return null;
        return expected is null || readers[0].Op == expected ? readers[0] : null;
    }

    /// <summary><c>Transpose[1,0,2](Reshape[S,H,dk](Linear(x)))</c>: the projection node, or null.</summary>
    private static Node? Split(Graph g, string value, int s, int heads, int dk, Func<string, Func<Op, bool>, Node?> inner)
    {
        var t = inner(value, op => op == new TransposeOp([1, 0, 2]));
        return t is null ? null : HeadsOf(t.Inputs[0], s, heads, dk, inner);
    }

    /// <summary><c>Reshape[S,H,dk](Linear(x))</c>: the projection node, or null.</summary>
    private static Node? HeadsOf(string value, int s, int heads, int dk, Func<string, Func<Op, bool>, Node?> inner)
    {
        var r = inner(value, op => op == new ReshapeOp([s, heads, dk]));
        return r is null ? null : inner(r.Inputs[0], op => op is LinearOp);
    }

    /// <summary>K or V heads, repeated to the query head count when grouped: the projection node, or null.</summary>
    private static Node? Repeated(Graph g, string value, int s, int kvHeads, int heads, int dk, Func<string, Func<Op, bool>, Node?> inner)
    {
        if (kvHeads == heads) return Split(g, value, s, heads, dk, inner);
        int group = heads / kvHeads;
        var merged = inner(value, op => op == new ReshapeOp([heads, s, dk]));
        var expand = merged is null ? null : inner(merged.Inputs[0], op => op == new ExpandOp([kvHeads, group, s, dk]));
        var unsqueezed = expand is null ? null : inner(expand.Inputs[0], op => op == new ReshapeOp([kvHeads, 1, s, dk]));
        return unsqueezed is null ? null : Split(g, unsqueezed.Inputs[0], s, kvHeads, dk, inner);
    }

    /// <summary>Whether the value is K/V heads with <paramref name="kvHeads"/> heads, without recording nodes.</summary>
    private static bool Repeated(Graph g, string value, int s, int kvHeads, int heads, int dk, Func<string, Func<Op, bool>, Node?> inner, bool dryRun)
    {
        Node? Peek(string v, Func<Op, bool> accept) => g.Producer(v) is { } p && accept(p.Op) ? p : null;
        return Repeated(g, value, s, kvHeads, heads, dk, dryRun ? Peek : inner) is not null;
    }

    /// <summary>x · 1/√dk or x / √dk, exactly as double or as float (models stored in float32).</summary>
    private static bool IsScale(Op op, int dk)
    {
        static bool Same(double value, double expected) => value == expected || value == (double)(float)expected;
        return op switch
        {
            ScalarBinaryOp { Function: BinaryFunction.Mul } m => Same(m.Scalar, 1 / Math.Sqrt(dk)) || m.Scalar == (double)(1f / MathF.Sqrt(dk)),
            ScalarBinaryOp { Function: BinaryFunction.Div, ScalarFirst: false } d => Same(d.Scalar, Math.Sqrt(dk)),
            _ => false,
        };
    }

    /// <summary>True when the condition keeps exactly the keys at or before each query (1 on and below the diagonal, 0 above).</summary>
    /// <summary>A parameter's values in float64 (a copy unless it is float64 already); for the small tables fusions inspect.</summary>
    private static Tensor<double> Float64<T>(Tensor<T> t) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => t as Tensor<double> ?? t.Cast<double>();

    private static bool IsCausal(Tensor<double> condition, int s)
    {
        if (!condition.ShapeArray().SequenceEqual([s, s])) return false;
        var c = condition.ToArray();
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++)
                if (c[i * s + j] != (j <= i ? 1.0 : 0.0)) return false;
        return true;
    }
}
