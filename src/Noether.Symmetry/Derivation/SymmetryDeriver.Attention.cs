using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    /// <summary>
    /// The internal symmetries of multi-head attention: permutations of K/V heads (each carrying its group of query
    /// heads), permutations of query heads within a group, and per K/V head GL(d_k) on (W_Q, W_K) — W_Q ← A·W_Q,
    /// W_K ← A^{−T}·W_K; with rotary embeddings only the A that commute with the position rotations, a scaled rotation
    /// per rotated pair (<see cref="ScaledRotationGroup"/>) — and GL(d_k) on (W_V, W_O) — W_V ← A·W_V, W_O ← W_O·A^{−1}.
    /// </summary>
    private static IEnumerable<SymmetryFactor> AttentionFactors(string node, AttentionOp at)
    {
        int dk = at.HeadDim, group = at.Heads / at.KvHeads;
        var single = new[] { new SegmentInfo(0, [node], null, PhiMap.Identity) };
        AxisBinding B(string p, int axis, int offset, int length, int block, AxisRule rule) => new($"{node}.{p}", axis, offset, length, block, 0, rule, PhiMap.Identity);
        IEnumerable<AxisBinding> WithBias(string proj, int offset, int length, int block, AxisRule rule)
        {
            yield return B($"{proj}.weight", 0, offset, length, block, rule);
            if (at.Bias) yield return B($"{proj}.bias", 0, offset, length, block, rule);
        }
        if (at.KvHeads > 1)
        {
            var bindings = WithBias("q_proj", 0, at.Heads * dk, group * dk, AxisRule.Covariant)
                .Concat(WithBias("k_proj", 0, at.KvHeads * dk, dk, AxisRule.Covariant))
                .Concat(WithBias("v_proj", 0, at.KvHeads * dk, dk, AxisRule.Covariant))
                .Append(B("o_proj.weight", 1, 0, at.Heads * dk, group * dk, AxisRule.Contravariant)).ToArray();
            yield return new SymmetryFactor($"{node}.heads", at.KvHeads, Group.Permutation(at.KvHeads), single, bindings,
                [$"{node}: permuting K/V heads (with their query heads) permutes the concatenated outputs, which W_O's columns undo"])
            {
                InvariantKey = new BilinearKey($"{node}.q_proj.weight", $"{node}.k_proj.weight",
                    Enumerable.Range(0, at.KvHeads).Select(j => Enumerable.Range(0, group).Select(h => (j * group + h) * dk).ToArray()).ToArray(),
                    Enumerable.Range(0, at.KvHeads).Select(j => new[] { j * dk }).ToArray(), dk),
            };
        }
        for (int j = 0; j < at.KvHeads; j++)
        {
            int q0 = j * group * dk;
            if (group > 1)
            {
                var inGroup = WithBias("q_proj", q0, group * dk, dk, AxisRule.Covariant)
                    .Append(B("o_proj.weight", 1, q0, group * dk, dk, AxisRule.Contravariant)).ToArray();
                yield return new SymmetryFactor($"{node}.kv{j}.query_heads", group, Group.Permutation(group), single, inGroup,
                    [$"{node}: query heads sharing K/V head {j} may be permuted among themselves"])
                {
                    InvariantKey = new BilinearKey($"{node}.q_proj.weight", $"{node}.k_proj.weight",
                        Enumerable.Range(0, group).Select(h => new[] { q0 + h * dk }).ToArray(),
                        Enumerable.Range(0, group).Select(_ => new[] { j * dk }).ToArray(), dk),
                };
            }
            var qk = Enumerable.Range(0, group).SelectMany(h => WithBias("q_proj", q0 + h * dk, dk, 1, AxisRule.Covariant))
                .Concat(WithBias("k_proj", j * dk, dk, 1, AxisRule.Contravariant)).ToArray();
            yield return at.Rotary is { } rope
                ? new SymmetryFactor($"{node}.kv{j}.qk", dk, new ScaledRotationGroup(dk, rope.Pairs, rope.Pairing == RotaryPairing.Interleaved), single, qk,
                    [$"{node}: with rotary embeddings q·k at positions p, p′ is qᵀ R(p′−p) k per pair, invariant under q ← A q, k ← A^(−T) k "
                        + $"exactly when A commutes with the rotations: a scaled rotation s·R(φ) per pair{(rope.Dims < dk ? ", GL on the unrotated coordinates" : "")}, for K/V head {j}"])
                : new SymmetryFactor($"{node}.kv{j}.qk", dk, Group.GeneralLinear(dk), single, qk,
                    [$"{node}: scores q·k are invariant under q ← A q, k ← A^(−T) k for K/V head {j}"]);
            var vo = WithBias("v_proj", j * dk, dk, 1, AxisRule.Covariant)
                .Concat(Enumerable.Range(0, group).Select(h => B("o_proj.weight", 1, q0 + h * dk, dk, 1, AxisRule.Contravariant))).ToArray();
            yield return new SymmetryFactor($"{node}.kv{j}.vo", dk, Group.GeneralLinear(dk), single, vo,
                [$"{node}: attention averages values linearly, so v ← A v is undone by W_O ← W_O A^(−1) for K/V head {j}"]);
        }
    }
}
