using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Layers;

/// <summary>
/// The trainable tensors of a metanetwork by name. Layers read them as <see cref="Variable{T}"/>s through the indexer;
/// every forward pass starts with <see cref="NewPass"/>, which makes fresh leaves over the same tensors, so an optimiser
/// (<see cref="Nn.Training.Optimizer{T}"/>) can update <see cref="Values"/> in place between passes. <see cref="Bind"/>
/// substitutes a given variable for one pass (finite-difference gradient checks).
/// </summary>
public sealed class ParameterStore<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, Tensor<T>> _values = new();
    private readonly Dictionary<string, Variable<T>> _pass = new();

    /// <summary>Parameter tensors by name, in creation order.</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Values => _values;

    /// <summary>Registers a parameter; names must be unique.</summary>
    public string Add(string name, Tensor<T> value)
    {
        if (!_values.TryAdd(name, value)) throw new ArgumentException($"Parameter '{name}' is registered twice");
        return name;
    }

    /// <summary>A parameter with entries N(0, std²).</summary>
    public string Normal(string name, Rng rng, double std, params int[] shape)
        => Add(name, Tensor<T>.RandomNormal(rng, T.Zero, T.CreateChecked(std), shape));

    /// <summary>A zero parameter.</summary>
    public string Zeros(string name, params int[] shape) => Add(name, Tensor<T>.Zeros(shape));

    /// <summary>The parameter as a leaf of the current pass.</summary>
    public Variable<T> this[string name]
    {
        get
        {
            if (_pass.TryGetValue(name, out var v)) return v;
            if (!_values.TryGetValue(name, out var t)) throw new KeyNotFoundException($"No parameter '{name}'");
            return _pass[name] = Variable<T>.Parameter(t, name);
        }
    }

    /// <summary>Starts a forward pass (fresh leaves, no gradients).</summary>
    public void NewPass() => _pass.Clear();

    /// <summary>Uses <paramref name="variable"/> for <paramref name="name"/> until the next <see cref="NewPass"/>.</summary>
    public void Bind(string name, Variable<T> variable)
    {
        if (!_values.TryGetValue(name, out var t)) throw new KeyNotFoundException($"No parameter '{name}'");
        if (!Shapes.Equal(t.Shape, variable.Value.Shape)) throw new ShapeMismatchException("ParameterStore.Bind", $"'{name}' has another shape", t.ShapeArray(), variable.Value.ShapeArray());
        _pass[name] = variable;
    }

    /// <summary>Gradients of the current pass's leaves after <see cref="Variable{T}.Backward"/>.</summary>
    public Dictionary<string, Tensor<T>> Gradients()
        => _pass.Where(kv => kv.Value.Grad is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Grad!);

    /// <summary>Number of trainable scalars.</summary>
    public long Count => _values.Values.Sum(t => (long)t.Length);
}
