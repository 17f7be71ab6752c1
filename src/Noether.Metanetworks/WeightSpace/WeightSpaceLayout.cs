using System.Numerics;
using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Metanetworks.WeightSpace;

/// <summary>Which neuron spaces a weight-space layer treats as permutable.</summary>
public enum PermutationVariant
{
    /// <summary>Hidden neuron permutations only (the derived group's permutations; NFN's HNP, DWSNets): the graph's
    /// input and output axes are fixed, so they become positions that layers keep apart.</summary>
    Hidden,
    /// <summary>Neuron permutations (NFN's NP): the input and output axes of every Linear or Conv2d that the derived group
    /// leaves fixed are permuted too (a larger group than the true one, so a simpler layer).</summary>
    All,
}

/// <summary>
/// One trainable parameter seen by a weight-space layer: its permuted axes (each bound to a neuron space) followed by
/// one axis of <see cref="Positions"/> for everything fixed (kernel positions, spatial blocks after Flatten, and the
/// fixed input/output axes in the <see cref="PermutationVariant.Hidden"/> variant). <see cref="Map"/> sends every
/// canonical flat index to the parameter's flat index.
/// </summary>
public sealed record WeightTensor(string Parameter, int[] ParameterShape, int[] Spaces, int[] Sizes, int Positions, int[] Map)
{
    /// <summary>Canonical per-model shape: permuted axes, then positions.</summary>
    public int[] CanonicalShape => [.. Sizes, Positions];
}

/// <summary>
/// A weight space arranged for permutation-equivariant layers (NFN, Zhou et al. NeurIPS 2023; DWSNets, Navon et al.
/// ICML 2023), built from the symmetry deriver's spec: every permutation factor of the derived group is a neuron space
/// and every parameter axis it binds is a permuted axis, so the layout fits any model the deriver understands (MLPs,
/// CNNs with pooling or Flatten, norms). Non-permutation factors (attention's GL) are treated as fixed.
/// </summary>
public sealed class WeightSpaceLayout
{
    private WeightSpaceLayout(string model, IReadOnlyList<WeightTensor> tensors, IReadOnlyList<int> spaceSizes, IReadOnlyList<int?> factorOfSpace, PermutationVariant variant)
    {
        ModelName = model; Tensors = tensors; SpaceSizes = spaceSizes; FactorOfSpace = factorOfSpace; Variant = variant;
    }

    /// <summary>The model the layout describes.</summary>
    public string ModelName { get; }
    /// <summary>The trainable parameters, in graph order.</summary>
    public IReadOnlyList<WeightTensor> Tensors { get; }
    /// <summary>Size of every neuron space.</summary>
    public IReadOnlyList<int> SpaceSizes { get; }
    /// <summary>Per space, the index of the derived spec's factor it is (null for the extra spaces of <see cref="PermutationVariant.All"/>).</summary>
    public IReadOnlyList<int?> FactorOfSpace { get; }
    /// <summary>Which permutations the layout's layers respect.</summary>
    public PermutationVariant Variant { get; }

    /// <summary>Derives the spec of <paramref name="graph"/> and lays out its weight space.</summary>
    public static WeightSpaceLayout Create(Graph graph, PermutationVariant variant = PermutationVariant.Hidden)
        => Create(graph, SymmetryDeriver.Derive(graph), variant);

    /// <summary>Lays out <paramref name="graph"/>'s weight space from its derived <paramref name="spec"/>.</summary>
    /// <exception cref="NotSupportedException">A parameter axis bound in slices (concatenation), or one space on two axes of one parameter.</exception>
    public static WeightSpaceLayout Create(Graph graph, WeightSpaceSpec spec, PermutationVariant variant = PermutationVariant.Hidden)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(spec);
        var spaceSizes = new List<int>();
        var factorOfSpace = new List<int?>();
        // (parameter, axis) → (space, block)
        var bound = new Dictionary<(string, int), (int Space, int Block)>();
        for (int f = 0; f < spec.Factors.Count; f++)
        {
            var factor = spec.Factors[f];
            if (!HasPermutations(factor.Group)) continue;
            int space = spaceSizes.Count;
            spaceSizes.Add(factor.Channels); factorOfSpace.Add(f);
            foreach (var b in factor.Bindings)
            {
                var p = graph.Parameters.FirstOrDefault(q => q.Name == b.Parameter);
                if (p is null || !p.Trainable) continue;
                if (b.Offset != 0 || b.Length != p.Shape[b.Axis])
                    throw new NotSupportedException($"Weight space of '{graph.Name}': '{b.Parameter}' axis {b.Axis} is bound in slices [{b.Offset}, {b.Offset + b.Length}) of {p.Shape[b.Axis]} (concatenation); not supported");
                if (bound.TryGetValue((b.Parameter, b.Axis), out var prior) && prior.Space != space)
                    throw new NotSupportedException($"Weight space of '{graph.Name}': '{b.Parameter}' axis {b.Axis} is bound to two factors");
                bound[(b.Parameter, b.Axis)] = (space, b.BlockSize);
            }
        }
        if (variant == PermutationVariant.All) AddFixedNeuronAxes(graph, bound, spaceSizes, factorOfSpace);
        var tensors = graph.Parameters.Where(p => p.Trainable).Select(p => Tensor(p.Name, p.Shape, bound)).ToArray();
        return new WeightSpaceLayout(graph.Name, tensors, spaceSizes, factorOfSpace, variant);
    }

    private static bool HasPermutations(Group g) => g switch
    {
        MonomialGroup m => m.Permutations && m.Size > 1,
        ChannelGroup c => c.Permutations && c.Channels > 1,
        _ => false,
    };

    /// <summary>NP: the unbound output axis (0) of a Linear/Conv weight and its bias share a space; the unbound input axis (1) gets one.</summary>
    private static void AddFixedNeuronAxes(Graph graph, Dictionary<(string, int), (int, int)> bound, List<int> sizes, List<int?> factors)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not (Nn.Operations.LinearOp or Nn.Operations.Conv2dOp)) continue;
            var weight = graph.Parameters.First(p => p.Name == $"{node.Name}.weight");
            var bias = graph.Parameters.FirstOrDefault(p => p.Name == $"{node.Name}.bias");
            if (!bound.ContainsKey((weight.Name, 0)))
            {
                bound[(weight.Name, 0)] = (sizes.Count, 1);
                if (bias is not null) bound[(bias.Name, 0)] = (sizes.Count, 1);
                sizes.Add(weight.Shape[0]); factors.Add(null);
            }
            if (!bound.ContainsKey((weight.Name, 1)))
            {
                bound[(weight.Name, 1)] = (sizes.Count, 1);
                sizes.Add(weight.Shape[1]); factors.Add(null);
            }
        }
    }

    private static WeightTensor Tensor(string name, int[] shape, Dictionary<(string, int), (int Space, int Block)> bound)
    {
        var spaces = new List<int>(); var sizes = new List<int>();
        // Per axis: permuted part n (with the space) and fixed part (block or the whole axis).
        var perm = new int[shape.Length]; var fixedPart = new int[shape.Length];
        for (int a = 0; a < shape.Length; a++)
        {
            if (bound.TryGetValue((name, a), out var b))
            {
                if (spaces.Contains(b.Space)) throw new NotSupportedException($"Weight space: '{name}' has one neuron space on two axes; not supported");
                if (shape[a] % b.Block != 0) throw new ShapeMismatchException($"Weight space '{name}'", $"axis {a} is not a whole number of blocks of {b.Block}", shape);
                spaces.Add(b.Space); sizes.Add(shape[a] / b.Block); perm[a] = shape[a] / b.Block; fixedPart[a] = b.Block;
            }
            else { perm[a] = 1; fixedPart[a] = shape[a]; }
        }
        int positions = fixedPart.Aggregate(1, (x, y) => x * y);
        var permutedAxes = Enumerable.Range(0, shape.Length).Where(a => bound.ContainsKey((name, a))).ToArray();
        int total = Shapes.Size(shape);
        var map = new int[total];
        var index = new int[shape.Length];
        for (int flat = 0; flat < total; flat++)
        {
            int rest = flat;
            for (int a = shape.Length - 1; a >= 0; a--) { index[a] = rest % shape[a]; rest /= shape[a]; }
            int canonical = 0;
            foreach (int a in permutedAxes) canonical = canonical * perm[a] + index[a] / fixedPart[a];
            int pos = 0;
            for (int a = 0; a < shape.Length; a++) pos = pos * fixedPart[a] + index[a] % fixedPart[a];
            map[canonical * positions + pos] = flat;
        }
        return new WeightTensor(name, (int[])shape.Clone(), [.. spaces], [.. sizes], positions, map);
    }

    /// <summary>
    /// The weights of several models of this layout as one canonical tensor per parameter, [B, sizes…, positions, 1]
    /// (one feature channel).
    /// </summary>
    public Tensor<T>[] Encode<T, TModel>(IReadOnlyList<Model<TModel>> models)
        where T : unmanaged, IFloatingPointIeee754<T> where TModel : unmanaged, IFloatingPointIeee754<TModel>
        => Encode<T>(models.Select(m => (IReadOnlyDictionary<string, double[]>)Tensors.ToDictionary(t => t.Parameter,
            t => m[t.Parameter].ToArray().Select(v => double.CreateChecked(v)).ToArray())).ToArray());

    /// <summary>Canonical tensors from per-model parameter values (flat, row-major, by name).</summary>
    public Tensor<T>[] Encode<T>(IReadOnlyList<IReadOnlyDictionary<string, double[]>> models) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new Tensor<T>[Tensors.Count];
        for (int i = 0; i < Tensors.Count; i++)
        {
            var t = Tensors[i];
            int size = t.Map.Length;
            var data = new T[models.Count * size];
            for (int b = 0; b < models.Count; b++)
            {
                var src = models[b][t.Parameter];
                if (src.Length != size) throw new ShapeMismatchException($"Weight space of '{ModelName}'", $"'{t.Parameter}' of model {b} has {src.Length} entries", t.ParameterShape);
                for (int j = 0; j < size; j++) data[b * size + j] = T.CreateChecked(src[t.Map[j]]);
            }
            result[i] = new Tensor<T>(data, [models.Count, .. t.CanonicalShape, 1]);
        }
        return result;
    }

    /// <summary>
    /// Permutes canonical tensors [B, sizes…, positions, C]: along every permuted axis of space s, entry i becomes old
    /// entry perms[s][i] (the convention of <see cref="MonomialElement"/>: row i reads coordinate Perm[i]). A null
    /// permutation leaves its space alone. <paramref name="overrides"/> replaces the permutation of single
    /// (tensor, axis) pairs, to build transformations outside the group (a decoupled axis).
    /// </summary>
    public Tensor<T>[] Permute<T>(IReadOnlyList<Tensor<T>> canonical, IReadOnlyList<int[]?> perms, IReadOnlyDictionary<(int Tensor, int Axis), int[]>? overrides = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (perms.Count != SpaceSizes.Count) throw new ArgumentException($"Weight space of '{ModelName}' has {SpaceSizes.Count} neuron spaces, got {perms.Count} permutations");
        var result = new Tensor<T>[canonical.Count];
        for (int i = 0; i < canonical.Count; i++)
        {
            var x = canonical[i].Contiguous();
            var shape = x.ShapeArray();
            var t = Tensors[i];
            var axisPerm = t.Spaces.Select((s, a) => overrides is not null && overrides.TryGetValue((i, a), out var o) ? o : perms[s]).ToArray();
            var src = x.Span.ToArray(); var dst = new T[src.Length];
            var index = new int[shape.Length];
            for (int flat = 0; flat < src.Length; flat++)
            {
                int rest = flat;
                for (int a = shape.Length - 1; a >= 0; a--) { index[a] = rest % shape[a]; rest /= shape[a]; }
                for (int a = 0; a < axisPerm.Length; a++) if (axisPerm[a] is { } p) index[1 + a] = p[index[1 + a]];
                int from = 0;
                for (int a = 0; a < shape.Length; a++) from = from * shape[a] + index[a];
                dst[flat] = src[from];
            }
            result[i] = new Tensor<T>(dst, shape);
        }
        return result;
    }

    /// <summary>The permutation of every space under an element of the derived group (null for spaces it does not move).</summary>
    public int[]?[] PermutationsOf(ProductElement element)
    {
        var perms = new int[]?[SpaceSizes.Count];
        for (int s = 0; s < perms.Length; s++)
        {
            if (FactorOfSpace[s] is not int f) continue;
            perms[s] = element.Factors[f] switch
            {
                MonomialElement m => m.Perm.ToArray(),
                ChannelElement c => c.Segment(0).Perm.ToArray(),
                var g => throw new ArgumentException($"Factor {f} of '{ModelName}' holds {g}, not a permutation"),
            };
        }
        return perms;
    }
}
