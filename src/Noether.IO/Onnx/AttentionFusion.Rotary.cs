using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// The Hugging Face Llama form of attention (also Mistral, Qwen2): separate q/k/v projections, heads split as in
/// <see cref="AttentionFusion"/>, rotary embeddings on q and k, <c>x·cos + rotate(x)·sin</c>, with the cos and sin
/// tables fixed [S, d_k] constants (buffers sliced to S, or tables computed from inv_freq and the positions, which
/// the importer folds to constants once S is pinned) and <c>rotate</c> either <c>Concat(−x[d/2:], x[:d/2])</c>
/// (Slice, Neg, Concat) or a MatMul by a fixed signed permutation (what <see cref="OnnxExporter"/> writes for
/// interleaved or partial rotary); then repeat_kv for grouped-query heads, <c>MatMul(q, kᵀ)</c>, the scale, an
/// optional causal mask (Where, or an additive constant of 0 and −∞), softmax, <c>MatMul(·, v)</c>, o_proj.
/// <para>
/// θ, the pairing and the rotated width are recovered from the tables and then checked: every entry must equal the
/// formula within float32 rounding of the angle (1e−6·(1 + p) at position p); otherwise nothing is fused. With one
/// rotated pair the function does not depend on θ, and θ = 10000 is recorded.
/// </para>
/// </summary>
internal static partial class AttentionFusion
{
    /// <summary>θ assumed when the tables cannot tell it (a single rotated pair).</summary>
    private const double DefaultTheta = 10000;

    private static Match? TryMatchRotary<T>(Graph g, Dictionary<string, Tensor<T>> parameters, Node softmax,
        IReadOnlyDictionary<string, RotaryEmbedding>? known)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var matcher = new SubgraphMatcher(g);
        var removed = matcher.Claimed;
        Node? Inner(string value, Func<Op, bool> accept) => matcher.Inner(value, accept);

        var sShape = g.ShapeOf(softmax.Name);
        if (sShape.Length != 3 || sShape[1] != sShape[2] || softmax.Op is not SoftmaxOp { Axis: -1 or 2 }) return null;
        int heads = sShape[0], s = sShape[1];
        removed.Add(softmax);

        var attended = Only(g, softmax.Name, null);
        if (attended is null || attended.Op is not MatMulOp || attended.Inputs[0] != softmax.Name) return null;
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
        if (heads < 1 || model % heads != 0 || oLinear.In != model || flat.Op != new ReshapeOp([s, model])) return null;
        int dk = model / heads;

        // Mask: Where(causal, scores, −∞) as in AttentionFusion, or scores + M with M = 0 on and below the diagonal, −∞ above.
        var before = softmax.Inputs[0];
        bool causal = false;
        var producer = g.Producer(before);
        if (producer?.Op is WhereOp)
        {
            static bool MinusInfinity(double? v) => v is double x && double.IsNegativeInfinity(x);
            var where = Inner(before, op => op is WhereOp w && (w.ScalarA is null && MinusInfinity(w.ScalarB) || w.ScalarB is null && MinusInfinity(w.ScalarA))
                && w.ConditionShape.SkipWhile(d => d == 1).SequenceEqual([s, s]));
            if (where is null || !parameters.TryGetValue($"{where.Name}.condition", out var conditionT)) return null;
            var condition = Float64(conditionT);
            var keep = ((WhereOp)where.Op).ScalarA is null ? condition.Reshape(s, s) : condition.Reshape(s, s).Map(c => 1 - c);
            if (!IsCausal(keep, s)) return null;
            (causal, before) = (true, where.Inputs[0]);
        }
        else if (producer?.Op is ParameterBinaryOp { Function: BinaryFunction.Add } add && add.Shape.SkipWhile(d => d == 1).SequenceEqual([s, s]))
        {
            var node = Inner(before, _ => true);
            if (node is null || !parameters.TryGetValue($"{node.Name}.{add.Role}", out var maskT)) return null;
            var keep = Float64(maskT).Reshape(s, s).Map(v => v == 0 ? 1.0 : double.IsNegativeInfinity(v) ? 0.0 : double.NaN);
            if (!IsCausal(keep, s)) return null;
            (causal, before) = (true, node.Inputs[0]);
        }
        var scale = Inner(before, op => IsScale(op, dk));
        var scores = scale is null ? null : Inner(scale.Inputs[0], op => op is MatMulOp);
        var kT = scores is null ? null : Inner(scores.Inputs[1], op => op == new TransposeOp([0, 2, 1]));
        if (kT is null) return null;

        // q and k: rotary outputs; k possibly repeated to the query heads.
        var q = Rope(g, parameters, scores!.Inputs[0], s, heads, dk, matcher);
        if (q is null) return null;
        int kvHeads = 0;
        string kRoped = kT.Inputs[0];
        for (int h = 1; h <= heads && kvHeads == 0; h++)
            if (heads % h == 0 && RepeatOf(g, kT.Inputs[0], s, h, heads, dk, dryRun: true, matcher) is { } src) (kvHeads, kRoped) = (h, src);
        if (kvHeads == 0 || RepeatOf(g, kT.Inputs[0], s, kvHeads, heads, dk, dryRun: false, matcher) is null) return null;
        var k = Rope(g, parameters, kRoped, s, kvHeads, dk, matcher);
        var v = Repeated(g, attended.Inputs[1], s, kvHeads, heads, dk, Inner);
        if (k is null || v is null || q.Value.Rope != k.Value.Rope) return null;

        var projections = new[] { q.Value.Projection, k.Value.Projection, v };
        var lin = projections.Select(p => (LinearOp)p.Op).ToArray();
        string x = projections[0].Inputs[0];
        if (projections.Any(p => p.Inputs[0] != x) || g.ShapeOf(x) is not [var sx, var d] || sx != s || d != model) return null;
        if (lin[0].In != model || lin[0].Out != heads * dk || lin.Skip(1).Any(l => l.In != model || l.Out != kvHeads * dk)) return null;
        // q, k and v share one bias setting; o_proj may differ (Qwen2: biases on q, k, v only).
        bool bias = lin[0].Bias;
        if (lin.Any(l => l.Bias != bias)) return null;
        if (projections.Any(p => !parameters.ContainsKey($"{p.Name}.weight") || bias && !parameters.ContainsKey($"{p.Name}.bias"))) return null;
        if (!parameters.ContainsKey($"{o.Name}.weight") || oLinear.Bias && !parameters.ContainsKey($"{o.Name}.bias")) return null;

        string qName = projections[0].Name;
        string name = StripSuffix(qName, ".q_proj") ?? StripSuffix(qName, ".q_proj.MatMul") ?? o.Name;
        // Tables holding probe markers (write-back) cannot be read; the caller then names the embedding the real file has.
        var rope = q.Value.Rope ?? (known is not null && known.TryGetValue(name, out var r) ? r : null);
        if (rope is null) return null;
        var roles = new Dictionary<string, string> { ["q_proj"] = qName, ["k_proj"] = k.Value.Projection.Name, ["v_proj"] = v.Name, ["o_proj"] = o.Name };
        return new Match(o, x, name, new AttentionOp(model, heads, kvHeads, causal, bias, rope, oLinear.Bias == bias ? null : oLinear.Bias), removed, roles);
    }

    private static string? StripSuffix(string name, string suffix)
        => name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length ? name[..^suffix.Length] : null;

    /// <summary>
    /// <c>Add(Mul(h, cos), Mul(rotate(h), sin))</c> over heads h = <c>Transpose[1,0,2](Reshape[S,H,dk](Linear(x)))</c>:
    /// the projection and the embedding the tables encode (null when they encode none), or null when the structure differs.
    /// </summary>
    private static (Node Projection, RotaryEmbedding? Rope)? Rope<T>(Graph g, Dictionary<string, Tensor<T>> parameters, string value,
        int s, int heads, int dk, SubgraphMatcher matcher)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var add = matcher.Inner(value, op => op is AddOp);
        if (add is null || add.Inputs.Count != 2) return null;
        // Which Mul holds cos: the one whose non-table input is the heads themselves.
        string? headsValue = null;
        Node? cosMul = null, sinMul = null;
        foreach (var (a, b) in new[] { (add.Inputs[0], add.Inputs[1]), (add.Inputs[1], add.Inputs[0]) })
        {
            var pa = g.Producer(a); var pb = g.Producer(b);
            if (pa?.Op is not ParameterBinaryOp || pb?.Op is not ParameterBinaryOp) return null;
            var h = g.Producer(pa.Inputs[0]);
            if (h?.Op == new TransposeOp([1, 0, 2])) { (cosMul, sinMul, headsValue) = (pa, pb, pa.Inputs[0]); break; }
        }
        if (cosMul is null || sinMul is null || headsValue is null || !IsTable(cosMul, s, dk) || !IsTable(sinMul, s, dk)) return null;
        if (matcher.Inner(cosMul.Name, _ => true) is null || matcher.Inner(sinMul.Name, _ => true) is null) return null;

        // rotate(h): Concat(Neg(Slice(h, dk/2:)), Slice(h, :dk/2)), or Linear(dk → dk) by a signed permutation.
        Tensor<double>? rotate = null;
        var readers = new List<Node> { cosMul };
        var rot = g.Producer(sinMul.Inputs[0]);
        if (rot?.Op is ConcatOp { Axis: 2, Count: 2 } && dk % 2 == 0)
        {
            var neg = matcher.Inner(rot.Inputs[0], op => op == new ElementwiseUnaryOp(UnaryFunction.Neg));
            var hi = neg is null ? null : matcher.Inner(neg.Inputs[0], op => IsHalf(op, dk, upper: true));
            var lo = matcher.Inner(rot.Inputs[1], op => IsHalf(op, dk, upper: false));
            if (hi is null || lo is null || hi.Inputs[0] != headsValue || lo.Inputs[0] != headsValue || matcher.Inner(sinMul.Inputs[0], _ => true) is null) return null;
            readers.AddRange([hi, lo]);
            rotate = new RotaryEmbedding(DefaultTheta, RotaryPairing.Half, dk).Tables(0, dk).Rotate;
        }
        else if (rot?.Op is LinearOp { Bias: false } l && l.In == dk && l.Out == dk && rot.Inputs[0] == headsValue
            && parameters.TryGetValue($"{rot.Name}.weight", out var w) && matcher.Inner(sinMul.Inputs[0], _ => true) is not null)
        {
            readers.Add(rot);
            rotate = Float64(w).Transpose().Contiguous(); // Linear computes h·Wᵀ
        }
        if (rotate is null) return null;
        // The heads are read by exactly the pattern's nodes.
        var consumers = g.Consumers(headsValue);
        if (consumers.Count != readers.Count || consumers.Any(c => !readers.Contains(c)) || g.Outputs.Contains(headsValue)) return null;
        var t = g.Producer(headsValue)!;
        matcher.Claimed.Add(t);
        var projection = HeadsOf(t.Inputs[0], s, heads, dk, matcher.Inner);
        if (projection is null) return null;
        var cos = parameters.GetValueOrDefault($"{cosMul.Name}.{((ParameterBinaryOp)cosMul.Op).Role}");
        var sin = parameters.GetValueOrDefault($"{sinMul.Name}.{((ParameterBinaryOp)sinMul.Op).Role}");
        if (cos is null || sin is null) return null;
        return (projection, Recover(Float64(cos).Reshape(s, dk), Float64(sin).Reshape(s, dk), rotate, dk));
    }

    /// <summary>
    /// A table multiplying the heads: Mul by an [S, dk] constant (leading 1s allowed; an initializer imports as
    /// trainable, a sliced buffer as fixed — either way its values are checked against the formula).
    /// </summary>
    private static bool IsTable(Node n, int s, int dk)
        => n.Op is ParameterBinaryOp { Function: BinaryFunction.Mul } p && p.Shape.SkipWhile(d => d == 1).SequenceEqual([s, dk]);

    /// <summary>Slice of the last axis: the upper half [dk/2, dk) or the lower half [0, dk/2).</summary>
    private static bool IsHalf(Op op, int dk, bool upper)
    {
        if (op is not SliceOp { Axes: [2], Starts: [var start], Ends: [var end], Steps: [1] }) return false;
        long e = end < 0 ? end + dk : Math.Min(end, dk);
        return upper ? start == dk / 2 && e == dk : start == 0 && e == dk / 2;
    }

    /// <summary>K heads repeated to the query heads (Reshape, Expand, Reshape); the value repeated, or null.</summary>
    private static string? RepeatOf(Graph g, string value, int s, int kvHeads, int heads, int dk, bool dryRun, SubgraphMatcher matcher)
    {
        if (kvHeads == heads) return value;
        Node? Step(string v, Func<Op, bool> accept) => dryRun ? (g.Producer(v) is { } p && accept(p.Op) ? p : null) : matcher.Inner(v, accept);
        int group = heads / kvHeads;
        var merged = Step(value, op => op == new ReshapeOp([heads, s, dk]));
        var expand = merged is null ? null : Step(merged.Inputs[0], op => op == new ExpandOp([kvHeads, group, s, dk]));
        var unsqueezed = expand is null ? null : Step(expand.Inputs[0], op => op == new ReshapeOp([kvHeads, 1, s, dk]));
        return unsqueezed?.Inputs[0];
    }

    /// <summary>
    /// The embedding whose tables are <paramref name="cos"/> and <paramref name="sin"/> with rotation
    /// <paramref name="rotate"/> (rot(x) = x·rotate), or null when no pairing, width and θ reproduce them.
    /// </summary>
    internal static RotaryEmbedding? Recover(Tensor<double> cos, Tensor<double> sin, Tensor<double> rotate, int dk)
    {
        int s = cos.Dim(0);
        foreach (var pairing in new[] { RotaryPairing.Half, RotaryPairing.Interleaved })
            for (int dims = 2; dims <= dk; dims += 2)
            {
                var shape = new RotaryEmbedding(DefaultTheta, pairing, dims);
                if (shape.Tables(0, dk).Rotate.MaxAbsDiff(rotate) != 0) continue;
                var theta = dims == 2 || s < 2 ? DefaultTheta : Theta(cos, sin, shape);
                if (theta is not double t) return null;
                var rope = shape with { Theta = t };
                return Matches(rope, cos, sin, dk) ? rope : null;
            }
        return null;
    }

    /// <summary>θ from pair 1's angular frequency (unwrapped over the positions), snapped to an integer when within 1e−6.</summary>
    private static double? Theta(Tensor<double> cos, Tensor<double> sin, RotaryEmbedding shape)
    {
        var (a, _) = shape.Pair(1);
        int s = cos.Dim(0);
        double f = Math.Atan2(sin[1, a], cos[1, a]);
        if (!(f > 0) || f >= Math.PI) return null;
        for (int p = 2; p < s; p++)
        {
            double angle = Math.Atan2(sin[p, a], cos[p, a]);
            double turns = Math.Round((p * f - angle) / (2 * Math.PI));
            f = (angle + 2 * Math.PI * turns) / p;
        }
        double theta = Math.Pow(f, -shape.Dims / 2.0);
        if (!double.IsFinite(theta) || theta <= 1) return null;
        double rounded = Math.Round(theta);
        var snapped = shape with { Theta = rounded };
        return Math.Abs(rounded - theta) <= 1e-6 * theta || rounded > 1 && Math.Abs(rounded - theta) <= 1e-3 * theta && Matches(snapped, cos, sin, cos.Dim(1)) ? rounded : theta;
    }

    /// <summary>Whether every table entry equals the formula within float32 rounding of the angle.</summary>
    private static bool Matches(RotaryEmbedding rope, Tensor<double> cos, Tensor<double> sin, int dk)
    {
        int s = cos.Dim(0);
        var (c, sn, _) = rope.Tables(s, dk);
        for (int p = 0; p < s; p++)
            for (int j = 0; j < dk; j++)
            {
                double tol = 1e-6 * (1 + p);
                if (!(Math.Abs(c[p, j] - cos[p, j]) <= tol && Math.Abs(sn[p, j] - sin[p, j]) <= tol)) return false;
            }
        return true;
    }
}
