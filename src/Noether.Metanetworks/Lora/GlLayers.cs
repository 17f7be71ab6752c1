using System.Numerics;
using Noether.Metanetworks.Layers;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Lora;

/// <summary>
/// The GL(r)-equivariant linear layer of "Learning on LoRAs" (Putterman, Lim et al. 2024): (U, V) ↦ (W₁·U, W₂·V) with
/// U [B, n, r], V [B, m, r], W₁ [n′, n], W₂ [m′, m] learned. It mixes only the non-rank axes, so it commutes with
/// U ↦ U·R and V ↦ V·R^{−T} for every R ∈ GL(r).
/// </summary>
public sealed class GlLinear<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterStore<T> _store;
    private readonly string _w1, _w2;

    /// <summary>Creates the layer n → n′ on U and m → m′ on V.</summary>
    public GlLinear(ParameterStore<T> store, string name, int n, int nOut, int m, int mOut, Rng rng)
    {
        _store = store;
        _w1 = store.Normal($"{name}.w1", rng, Math.Sqrt(1.0 / n), nOut, n);
        _w2 = store.Normal($"{name}.w2", rng, Math.Sqrt(1.0 / m), mOut, m);
    }

    /// <summary>(W₁·U, W₂·V).</summary>
    public (Variable<T> U, Variable<T> V) Forward(Variable<T> u, Variable<T> v) => (Ops.MatMul(_store[_w1], u), Ops.MatMul(_store[_w2], v));
}

/// <summary>
/// A GL(r)-equivariant nonlinearity: with the invariant product M = U·Vᵀ [B, n, m], every row of U is scaled by
/// sigmoid(M·a + c) (one gate per row of U) and every row of V by sigmoid(Mᵀ·b + d). The gates are invariant and act on
/// the non-rank axis, so (U·R, V·R^{−T}) ↦ (U′·R, V′·R^{−T}).
/// </summary>
public sealed class GlGate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterStore<T> _store;
    private readonly string _a, _c, _b, _d;

    /// <summary>Creates gates for U [n, r] and V [m, r].</summary>
    public GlGate(ParameterStore<T> store, string name, int n, int m, Rng rng)
    {
        _store = store;
        _a = store.Normal($"{name}.a", rng, Math.Sqrt(1.0 / m), m, 1); _c = store.Zeros($"{name}.c", n, 1);
        _b = store.Normal($"{name}.b", rng, Math.Sqrt(1.0 / n), n, 1); _d = store.Zeros($"{name}.d", m, 1);
    }

    /// <summary>The gated (U, V).</summary>
    public (Variable<T> U, Variable<T> V) Forward(Variable<T> u, Variable<T> v)
    {
        var m = Ops.MatMul(u, Ops.Transpose(v));                       // [B, n, m], invariant
        var gu = Ops.Sigmoid(Ops.MatMul(m, _store[_a]) + _store[_c]);  // [B, n, 1]
        var gv = Ops.Sigmoid(Ops.MatMul(Ops.Transpose(m), _store[_b]) + _store[_d]);
        return (u * gu, v * gv);
    }
}

/// <summary>
/// GL(r)-invariant head: through the product U·Vᵀ of every module (the weight update ΔW itself), flattened, concatenated
/// and read by a small MLP.
/// </summary>
public sealed class GlInvariantHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dense<T> _mlp;

    /// <summary>Creates the head for modules whose products have <paramref name="products"/> entries in total.</summary>
    public GlInvariantHead(ParameterStore<T> store, string name, int products, int hidden, int outputs, Rng rng)
        => _mlp = new Dense<T>(store, name, rng, products, hidden, outputs);

    /// <summary>[B, outputs] from per-module (U [B, n, r], V [B, m, r]).</summary>
    public Variable<T> Forward(IReadOnlyList<(Variable<T> U, Variable<T> V)> modules)
    {
        var parts = modules.Select(p => Ops.Reshape(Ops.MatMul(p.U, Ops.Transpose(p.V)), p.U.Value.Dim(0), -1)).ToArray();
        return _mlp.Forward(parts.Length == 1 ? parts[0] : Ops.Concat(parts, 1));
    }
}

/// <summary>
/// A GL-equivariant network on LoRA weights: per module, [<see cref="GlLinear{T}"/> → <see cref="GlGate{T}"/>] × layers
/// (n, m → width), then <see cref="GlInvariantHead{T}"/>. Invariant to an independent R ∈ GL(r) per module.
/// </summary>
public sealed class GlNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (GlLinear<T> Linear, GlGate<T> Gate)[][] _blocks;

    /// <summary>Creates the network for modules of shapes (n_k, m_k).</summary>
    public GlNetwork(IReadOnlyList<(int N, int M)> modules, int width, int layers, int outputs, Rng rng, int headHidden = 64)
    {
        Store = new ParameterStore<T>();
        _blocks = modules.Select((s, k) => Enumerable.Range(0, layers).Select(l =>
            (new GlLinear<T>(Store, $"lora.{k}.{l}.linear", l == 0 ? s.N : width, width, l == 0 ? s.M : width, width, rng),
             new GlGate<T>(Store, $"lora.{k}.{l}.gate", width, width, rng))).ToArray()).ToArray();
        int products = modules.Sum(s => layers == 0 ? s.N * s.M : width * width);
        Head = new GlInvariantHead<T>(Store, "lora.head", products, headHidden, outputs, rng);
    }

    /// <summary>The parameters.</summary>
    public ParameterStore<T> Store { get; }
    /// <summary>The invariant head.</summary>
    public GlInvariantHead<T> Head { get; }

    /// <summary>The equivariant trunk, per module.</summary>
    public (Variable<T> U, Variable<T> V)[] Features(IReadOnlyList<(Variable<T> U, Variable<T> V)> modules)
    {
        if (modules.Count != _blocks.Length) throw new ArgumentException($"GL network expects {_blocks.Length} modules, got {modules.Count}");
        var result = new (Variable<T>, Variable<T>)[modules.Count];
        for (int k = 0; k < modules.Count; k++)
        {
            var (u, v) = modules[k];
            foreach (var (linear, gate) in _blocks[k]) { (u, v) = linear.Forward(u, v); (u, v) = gate.Forward(u, v); }
            result[k] = (u, v);
        }
        return result;
    }

    /// <summary>[B, outputs], GL(r)-invariant per module.</summary>
    public Variable<T> Forward(IReadOnlyList<(Variable<T> U, Variable<T> V)> modules) => Head.Forward(Features(modules));
}
