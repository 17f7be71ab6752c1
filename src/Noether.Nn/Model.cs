using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn;

/// <summary>
/// A graph together with one tensor per parameter and buffer. The structure is immutable; training updates the
/// parameter tensors' elements in place. Transformations that change weights return a new model
/// (<see cref="WithParameters"/>).
/// </summary>
public sealed class Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, Tensor<T>> _parameters;

    /// <summary>Binds parameter tensors to a graph; every parameter must be present with its declared shape.</summary>
    public Model(Graph graph, IReadOnlyDictionary<string, Tensor<T>> parameters)
    {
        Graph = graph;
        _parameters = new Dictionary<string, Tensor<T>>();
        foreach (var p in graph.Parameters)
        {
            if (!parameters.TryGetValue(p.Name, out var t)) throw new ArgumentException($"Model '{graph.Name}': missing parameter '{p.Name}' of shape {Shapes.Format(p.Shape)}");
            if (!Shapes.Equal(t.Shape, p.Shape)) throw new ShapeMismatchException($"Model '{graph.Name}'", $"parameter '{p.Name}' has the wrong shape", t.ShapeArray(), p.Shape);
            _parameters[p.Name] = t.Contiguous();
        }
        var extra = parameters.Keys.Except(_parameters.Keys).ToArray();
        if (extra.Length > 0) throw new ArgumentException($"Model '{graph.Name}': unknown parameters {string.Join(", ", extra.Take(5))}");
        // The name → tensor mapping never changes (training mutates tensor elements in place), so build the ordered view once.
        Parameters = new System.Collections.ObjectModel.ReadOnlyDictionary<string, Tensor<T>>(graph.Parameters.ToDictionary(p => p.Name, p => _parameters[p.Name]));
    }

    /// <summary>Initialises every parameter with its op's default initialiser from a seeded source.</summary>
    public static Model<T> Initialize(Graph graph, Rng rng)
        => new(graph, graph.Parameters.ToDictionary(p => p.Name, p => p.Slot.Init.Create<T>(rng, p.Shape)));

    /// <summary>The architecture.</summary>
    public Graph Graph { get; }

    /// <summary>Parameters and buffers by full name, in graph declaration order.</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Parameters { get; }

    /// <summary>A parameter by full name.</summary>
    public Tensor<T> this[string name] => _parameters.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"Model '{Graph.Name}' has no parameter '{name}'");

    /// <summary>A new model with some parameters replaced (the rest shared).</summary>
    public Model<T> WithParameters(IReadOnlyDictionary<string, Tensor<T>> replacements)
    {
        var all = new Dictionary<string, Tensor<T>>(_parameters);
        foreach (var (k, v) in replacements)
        {
            if (!all.ContainsKey(k)) throw new ArgumentException($"Model '{Graph.Name}' has no parameter '{k}'");
            all[k] = v;
        }
        return new Model<T>(Graph, all);
    }

    /// <summary>A deep copy (no shared parameter storage).</summary>
    public Model<T> Clone() => new(Graph, _parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Clone()));

    /// <summary>The same model in another precision.</summary>
    public Model<TOut> Cast<TOut>() where TOut : unmanaged, IFloatingPointIeee754<TOut>
        => new(Graph, _parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Cast<TOut>()));

    /// <summary>Runs the model in evaluation mode without recording gradients; returns one tensor per graph output.</summary>
    public Tensor<T>[] Predict(params Tensor<T>[] inputs) => Predict(inputs, CancellationToken.None);

    /// <summary>As <see cref="Predict(Tensor{T}[])"/>, stopping between nodes when <paramref name="cancel"/> is signalled.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was signalled.</exception>
    public Tensor<T>[] Predict(IReadOnlyList<Tensor<T>> inputs, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var _ = GradMode.NoGrad();
        return Executor.Forward(this, inputs, training: false, rng: null, fuse: true, cancel).Outputs.Select(o => o.Value).ToArray();
    }
}
