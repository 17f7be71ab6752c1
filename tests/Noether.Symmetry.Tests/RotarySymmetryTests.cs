using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// Attention with rotary embeddings: per K/V head the (W_Q, W_K) symmetry shrinks from GL(d_k) to a scaled rotation
/// per pair; elements of the group keep the function, maps just outside it (a reflection or shear within a pair, a
/// generic GL(d_k), a query head moved to another K/V group) change it, and the canonical form is orbit-invariant.
/// </summary>
public class RotarySymmetryTests
{
    public static TheoryData<string> Cases => new() { "half", "interleaved", "half-partial" };

    private static RotaryEmbedding Rope(string name) => name switch
    {
        "half" => new RotaryEmbedding(10000, RotaryPairing.Half, 4),
        "interleaved" => new RotaryEmbedding(500, RotaryPairing.Interleaved, 4),
        "half-partial" => new RotaryEmbedding(100, RotaryPairing.Half, 2),
        _ => throw new ArgumentException(name),
    };

    private static Model<double> Block(string name)
    {
        var b = new GraphBuilder($"rotary-{name}");
        var x = b.Linear(b.Input("input", 7, 5), 16, "embed");
        var a = b.Add(new AttentionOp(16, 4, 2, Causal: true, Bias: false, Rope(name)), "attn", b.RmsNorm(x, "norm"));
        var graph = b.Build(b.Linear(b.Residual(x, a, "add"), 3, "head"));
        return Model<double>.Initialize(graph, new Rng(11));
    }

    private static double Change(Model<double> a, Model<double> b)
    {
        var x = Tensor<double>.RandomNormal(new Rng(12), 3, 7, 5);
        return a.Predict(x)[0].MaxAbsDiff(b.Predict(x)[0]);
    }

    [Theory, MemberData(nameof(Cases))]
    public void DerivedFactorsAreScaledRotationsPerPairAndKeepTheFunction(string name)
    {
        var model = Block(name);
        var rope = Rope(name);
        var spec = SymmetryDeriver.Derive(model.Graph);
        Assert.Empty(spec.Notes);
        var qk = spec.Factors.Where(f => f.Name.EndsWith(".qk", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, qk.Length);
        var expected = new ScaledRotationGroup(4, rope.Pairs, rope.Pairing == RotaryPairing.Interleaved);
        Assert.All(qk, f => Assert.Equal(expected, f.Group));
        Assert.Equal(rope.Dims == 4 ? "(R+ × SO(2))^2" : "(R+ × SO(2))^1 × GL(2)", expected.Name);
        Assert.Equal(["GL(4)", "GL(4)", "S_2", "S_2", "S_2"], spec.Factors.Where(f => f.Name.StartsWith("attn.", StringComparison.Ordinal) && !f.Name.EndsWith(".qk"))
            .Select(f => f.Group.Name).Order().ToArray());
        for (int seed = 0; seed < 3; seed++)
        {
            var moved = GroupAction.Apply(model, spec, spec.Random(new Rng((ulong)(20 + seed))));
            Assert.True(Change(model, moved) < 1e-9, $"{name}: a random element changed the function by {Change(model, moved):E2}");
        }
    }

    public static TheoryData<string, string> Outside => new()
    {
        { "half", "reflection" }, { "half", "shear" }, { "half", "gl" }, { "interleaved", "reflection" }, { "interleaved", "shear" },
        { "interleaved", "gl" }, { "half-partial", "mixing" }, { "half", "cross-group" }, { "interleaved", "cross-group" },
    };

    [Theory, MemberData(nameof(Outside))]
    public void MapsJustOutsideTheGroupChangeTheFunction(string name, string map)
    {
        var model = Block(name);
        var rope = Rope(name);
        var spec = SymmetryDeriver.Derive(model.Graph);
        Model<double> moved;
        if (map == "cross-group")
        {
            // Query head 1 (K/V group 0) swapped with query head 2 (group 1), with W_O's columns: a head permutation, but across groups.
            var q = model["attn.q_proj.weight"].Clone(); var o = model["attn.o_proj.weight"].Clone();
            for (int r = 0; r < 4; r++)
            {
                for (int c = 0; c < 16; c++) (q[4 + r, c], q[8 + r, c]) = (q[8 + r, c], q[4 + r, c]);
                for (int c = 0; c < 16; c++) (o[c, 4 + r], o[c, 8 + r]) = (o[c, 8 + r], o[c, 4 + r]);
            }
            moved = model.WithParameters(new Dictionary<string, Tensor<double>> { ["attn.q_proj.weight"] = q, ["attn.o_proj.weight"] = o });
        }
        else
        {
            var factor = spec.Factors.First(f => f.Name == "attn.kv0.qk");
            var (a, b) = rope.Pair(0);
            var m = Tensor<double>.Eye(4);
            switch (map)
            {
                case "reflection": m[b, b] = -1; break;                       // det −1 within the pair: R(Δ) becomes R(−Δ)
                case "shear": m[a, b] = 0.5; break;                           // does not commute with rotations
                case "mixing": m[2, a] = 0.7; break;                          // an unrotated coordinate fed from a rotated one
                default: m = ((MatrixElement)Group.GeneralLinear(4).Random(new Rng(5))).ToMatrix(); break;
            }
            var element = new MatrixElement(m);
            Assert.False(factor.Group.Contains(element));
            moved = GroupAction.ApplyPerSegment(model, factor, _ => element);
        }
        Assert.True(Change(model, moved) > 1e-4, $"{name}/{map}: the function did not change ({Change(model, moved):E2})");
    }

    [Theory, MemberData(nameof(Cases))]
    public void CanonicalFormIsOrbitInvariantIdempotentAndKeepsTheFunction(string name)
    {
        var model = Block(name);
        var spec = SymmetryDeriver.Derive(model.Graph);
        var moved = GroupAction.Apply(model, spec, spec.Random(new Rng(31)));
        var (a, steps) = Canonicalizer.Canonicalize(model, spec);
        var (b, _) = Canonicalizer.Canonicalize(moved, spec);
        var (c, _) = Canonicalizer.Canonicalize(a, spec);
        Assert.Contains(steps, s => s.Factor == "attn.kv0.qk" && s.Action.StartsWith("per rotary pair", StringComparison.Ordinal));
        foreach (var (key, value) in a.Parameters)
        {
            double scale = Math.Max(1e-12, value.ToArray().Max(Math.Abs));
            Assert.True(value.MaxAbsDiff(b[key]) / scale <= 1e-6, $"{name}: canon(g·θ) differs at {key} by {value.MaxAbsDiff(b[key]) / scale:E2}");
            Assert.True(value.MaxAbsDiff(c[key]) / scale <= 1e-6, $"{name}: canon(canon(θ)) differs at {key}");
        }
        Assert.True(Change(model, a) < 1e-9);
    }
}
