using Noether.Tensors;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Layers;

/// <summary>
/// The named float64 parameters of a model, created with a seeded initialiser. Optimisers step them in place through
/// <see cref="Values"/> and <see cref="Gradients"/>.
/// </summary>
public sealed class ParameterStore(Rng rng)
{
    private readonly Dictionary<string, V> _parameters = new();

    /// <summary>The generator used for initialisation.</summary>
    public Rng Rng { get; } = rng;

    /// <summary>All parameters by name, in creation order.</summary>
    public IReadOnlyDictionary<string, V> Parameters => _parameters;

    /// <summary>Total number of scalar parameters.</summary>
    public int Count => _parameters.Values.Sum(p => p.Value.Length);

    /// <summary>Creates a parameter with N(0, std²) entries (zeros when std = 0).</summary>
    public V Create(string name, double std, params int[] shape)
    {
        if (_parameters.ContainsKey(name)) throw new ArgumentException($"ParameterStore: '{name}' exists already");
        var t = std == 0 ? Tensor<double>.Zeros(shape) : Tensor<double>.RandomNormal(Rng, 0.0, std, shape);
        var p = V.Parameter(t, name);
        _parameters[name] = p;
        return p;
    }

    /// <summary>Parameter tensors by name (updated in place by an optimiser).</summary>
    public Dictionary<string, Tensor<double>> Values() => _parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Value);

    /// <summary>Gradients by name of the parameters that received one.</summary>
    public Dictionary<string, Tensor<double>> Gradients() =>
        _parameters.Where(kv => kv.Value.Grad is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Grad!);

    /// <summary>Clears every gradient.</summary>
    public void ZeroGrad() { foreach (var p in _parameters.Values) p.ZeroGrad(); }

    /// <summary>A copy of every parameter value (for keeping the best model).</summary>
    public Dictionary<string, double[]> Snapshot() => _parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Value.ToArray());

    /// <summary>Restores values taken by <see cref="Snapshot"/>.</summary>
    public void Restore(Dictionary<string, double[]> snapshot)
    {
        foreach (var (name, values) in snapshot) values.AsSpan().CopyTo(_parameters[name].Value.Span);
    }
}
