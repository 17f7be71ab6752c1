using System.Numerics;
using Noether.Metanetworks.WeightSpace;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Layers;

/// <summary>
/// Invariant pooling head: every canonical tensor averaged over its permuted axes ([B, positions·C], positions kept
/// apart), concatenated and read out by a small MLP. Invariant to the layout's group.
/// </summary>
public sealed class NfnInvariantHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly WeightSpaceLayout _layout;
    private readonly Dense<T> _mlp;

    /// <summary>Creates the head for C channels, with one hidden layer of <paramref name="hidden"/> and <paramref name="outputs"/> outputs.</summary>
    public NfnInvariantHead(ParameterStore<T> store, string name, WeightSpaceLayout layout, int channels, int hidden, int outputs, Rng rng)
    {
        _layout = layout;
        Features = layout.Tensors.Sum(t => t.Positions) * channels;
        _mlp = new Dense<T>(store, name, rng, Features, hidden, outputs);
    }

    /// <summary>Width of the pooled feature vector.</summary>
    public int Features { get; }

    /// <summary>Pooled invariant features [B, Features].</summary>
    public Variable<T> Pool(IReadOnlyList<Variable<T>> x)
    {
        var parts = new Variable<T>[x.Count];
        for (int i = 0; i < x.Count; i++)
        {
            var v = x[i];
            for (int a = _layout.Tensors[i].Spaces.Length - 1; a >= 0; a--) v = Ops.Mean(v, 1 + a);
            parts[i] = Ops.Reshape(v, v.Value.Dim(0), -1);
        }
        return parts.Length == 1 ? parts[0] : Ops.Concat(parts, 1);
    }

    /// <summary>The head's output [B, outputs].</summary>
    public Variable<T> Forward(IReadOnlyList<Variable<T>> x) => _mlp.Forward(Pool(x));
}

/// <summary>
/// An invariant neural functional: equivariant <see cref="NfnLayer{T}"/>s with ReLU, then <see cref="NfnInvariantHead{T}"/>.
/// Input: the canonical tensors of <see cref="WeightSpaceLayout.Encode{T}"/> (one channel).
/// </summary>
public sealed class NfnNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates <paramref name="layers"/> layers of <paramref name="channels"/> channels and a head with <paramref name="outputs"/> outputs.</summary>
    public NfnNetwork(WeightSpaceLayout layout, int channels, int layers, int outputs, Rng rng, ParameterStore<T>? store = null, int headHidden = 64)
    {
        Store = store ?? new ParameterStore<T>();
        Layout = layout;
        Layers = Enumerable.Range(0, layers).Select(l => new NfnLayer<T>(Store, $"nfn.{l}", layout, l == 0 ? 1 : channels, channels, rng)).ToArray();
        Head = new NfnInvariantHead<T>(Store, "nfn.head", layout, layers == 0 ? 1 : channels, headHidden, outputs, rng);
    }

    /// <summary>The parameters.</summary>
    public ParameterStore<T> Store { get; }
    /// <summary>The weight space read.</summary>
    public WeightSpaceLayout Layout { get; }
    /// <summary>The equivariant layers.</summary>
    public IReadOnlyList<NfnLayer<T>> Layers { get; }
    /// <summary>The invariant head.</summary>
    public NfnInvariantHead<T> Head { get; }

    /// <summary>The equivariant trunk: layers with ReLU between and after them.</summary>
    public Variable<T>[] Features(IReadOnlyList<Variable<T>> x)
    {
        var h = x.ToArray();
        foreach (var layer in Layers) h = NfnLayer<T>.Relu(layer.Forward(h));
        return h;
    }

    /// <summary>[B, outputs], invariant to the layout's group.</summary>
    public Variable<T> Forward(IReadOnlyList<Variable<T>> x) => Head.Forward(Features(x));
}
