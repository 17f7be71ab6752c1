using System.Numerics;
using Noether.Metanetworks.WeightSpace;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Layers;

/// <summary>
/// A permutation-equivariant linear layer on a weight space (NFN, Zhou et al. NeurIPS 2023; DWSNets, Navon et al. ICML
/// 2023), for any <see cref="WeightSpaceLayout"/>: inputs and outputs are canonical tensors [B, n…, positions, C]. For every
/// pair (source tensor, target tensor) and every way of identifying permuted axes of the source with axes of the
/// target that carry the same neuron space, one term: mean over the source's other permuted axes, a C_in × C_out
/// channel map, broadcast over the target's other permuted axes. Positions (kernel entries, spatial blocks, fixed
/// input/output neurons) are kept where source and target have the same number of them and averaged otherwise, and every
/// target has a bias per position and channel. Each neuron space occurs at most once per tensor, so every term commutes
/// with the permutations of every space: the layer is equivariant to the layout's group (hidden permutations for
/// <see cref="PermutationVariant.Hidden"/> — NFN's HNP —, all neuron permutations for <see cref="PermutationVariant.All"/> — NP).
/// </summary>
public sealed class NfnLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterStore<T> _store;
    private readonly WeightSpaceLayout _layout;
    private readonly List<Term> _terms = new();
    private readonly string[] _biases;

    /// <summary>The terms: source, target, per source permuted axis the target axis it is identified with (−1: averaged).</summary>
    private sealed record Term(int Source, int Target, int[] Matching, bool KeepPositions, string Weight);

    /// <summary>Creates the layer with C_in → C_out channels.</summary>
    public NfnLayer(ParameterStore<T> store, string name, WeightSpaceLayout layout, int inChannels, int outChannels, Rng rng)
    {
        _store = store; _layout = layout; InChannels = inChannels; OutChannels = outChannels;
        var tensors = layout.Tensors;
        for (int dst = 0; dst < tensors.Count; dst++)
            for (int src = 0; src < tensors.Count; src++)
                foreach (var m in Matchings(tensors[src].Spaces, tensors[dst].Spaces))
                    _terms.Add(new Term(src, dst, m, tensors[src].Positions == tensors[dst].Positions, $"{name}.t{src}_{dst}_{string.Join("", m.Select(a => a < 0 ? "x" : a.ToString()))}"));
        // Fan-in of a target: the number of terms that reach it, times input channels.
        var fanIn = Enumerable.Range(0, tensors.Count).Select(d => _terms.Count(t => t.Target == d) * inChannels).ToArray();
        foreach (var t in _terms) store.Normal(t.Weight, rng, Math.Sqrt(1.0 / fanIn[t.Target]), inChannels, outChannels);
        _biases = tensors.Select((t, i) => store.Zeros($"{name}.b{i}", t.Positions, outChannels)).ToArray();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Number of equivariant terms (basis maps) the layer holds.</summary>
    public int TermCount => _terms.Count;

    /// <summary>Every partial injective identification of source axes with target axes of the same space.</summary>
    private static IEnumerable<int[]> Matchings(int[] src, int[] dst)
    {
        var current = new int[src.Length];
        IEnumerable<int[]> Rec(int a, HashSet<int> used)
        {
            if (a == src.Length) { yield return (int[])current.Clone(); yield break; }
            current[a] = -1;
            foreach (var m in Rec(a + 1, used)) yield return m;
            for (int d = 0; d < dst.Length; d++)
            {
                if (dst[d] != src[a] || used.Contains(d)) continue;
                used.Add(d); current[a] = d;
                foreach (var m in Rec(a + 1, used)) yield return m;
                used.Remove(d);
            }
        }
        return Rec(0, new HashSet<int>()).ToArray();
    }

    /// <summary>Applies the layer to canonical tensors [B, n…, positions, C_in]; returns [B, n…, positions, C_out].</summary>
    public Variable<T>[] Forward(IReadOnlyList<Variable<T>> x)
    {
        var tensors = _layout.Tensors;
        if (x.Count != tensors.Count) throw new ArgumentException($"NFN layer on '{_layout.ModelName}' takes {tensors.Count} tensors, got {x.Count}");
        int batch = x[0].Value.Dim(0);
        var outputs = new Variable<T>[tensors.Count];
        for (int d = 0; d < tensors.Count; d++)
        {
            var shape = tensors[d].CanonicalShape;
            outputs[d] = Ops.Reshape(_store[_biases[d]], [1, .. Enumerable.Repeat(1, shape.Length - 1), shape[^1], OutChannels]);
        }
        foreach (var t in _terms)
        {
            var v = x[t.Source];
            int k = tensors[t.Source].Spaces.Length;
            // Average the unmatched permuted axes (from the last, so earlier axis numbers stay valid).
            for (int a = k - 1; a >= 0; a--) if (t.Matching[a] < 0) v = Ops.Mean(v, 1 + a);
            if (!t.KeepPositions) v = Ops.Mean(v, v.Value.Rank - 2, keepDims: true);
            v = Ops.MatMul(v, _store[t.Weight]);
            // Remaining permuted axes in source order → target order, with 1s where the target broadcasts.
            var matched = Enumerable.Range(0, k).Where(a => t.Matching[a] >= 0).ToArray();
            var order = matched.Select((a, i) => (Target: t.Matching[a], Axis: 1 + i)).OrderBy(p => p.Target).ToArray();
            if (order.Select(p => p.Axis).Where((ax, i) => ax != 1 + i).Any())
                v = Ops.Permute(v, [0, .. order.Select(p => p.Axis), matched.Length + 1, matched.Length + 2]);
            var dstSizes = tensors[t.Target].Sizes;
            var targetShape = new int[dstSizes.Length + 3];
            targetShape[0] = batch;
            for (int a = 0; a < dstSizes.Length; a++) targetShape[1 + a] = order.Any(p => p.Target == a) ? dstSizes[a] : 1;
            targetShape[^2] = t.KeepPositions ? tensors[t.Target].Positions : 1;
            targetShape[^1] = OutChannels;
            outputs[t.Target] = outputs[t.Target] + Ops.Reshape(v, targetShape);
        }
        // Every target gets the full shape even where no term spans an axis (a bias-only tensor).
        for (int d = 0; d < tensors.Count; d++)
        {
            var full = new int[] { batch }.Concat(tensors[d].CanonicalShape).Append(OutChannels).ToArray();
            if (!Shapes.Equal(outputs[d].Value.Shape, full)) outputs[d] = outputs[d] + Variable<T>.Constant(Tensor<T>.Zeros(full));
        }
        return outputs;
    }

    /// <summary>ReLU on every tensor (pointwise, so equivariant).</summary>
    public static Variable<T>[] Relu(IReadOnlyList<Variable<T>> x) => x.Select(Ops.Relu).ToArray();
}
