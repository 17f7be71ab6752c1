using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Layers;

/// <summary>A small MLP over the last axis (x·W + b, ReLU between layers, none after the last).</summary>
public sealed class Dense<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterStore<T> _store;
    private readonly (string W, string B)[] _layers;

    /// <summary>Creates layers of widths <paramref name="widths"/> (input first), He-initialised.</summary>
    public Dense(ParameterStore<T> store, string name, Rng rng, params int[] widths)
    {
        if (widths.Length < 2) throw new ArgumentException($"Dense '{name}' needs at least an input and an output width");
        _store = store;
        _layers = new (string, string)[widths.Length - 1];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = (store.Normal($"{name}.{i}.weight", rng, Math.Sqrt(2.0 / widths[i]), widths[i], widths[i + 1]), store.Zeros($"{name}.{i}.bias", widths[i + 1]));
    }

    /// <summary>Applies the MLP to x [..., in].</summary>
    public Variable<T> Forward(Variable<T> x)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            x = Ops.MatMul(x, _store[_layers[i].W]) + _store[_layers[i].B];
            if (i < _layers.Length - 1) x = Ops.Relu(x);
        }
        return x;
    }
}
