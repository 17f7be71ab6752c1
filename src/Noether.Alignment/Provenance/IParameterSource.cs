using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Alignment.Provenance;

/// <summary>
/// Read access to a model's parameters one tensor at a time, so that a provenance test never needs every tensor in
/// memory at once (a memory-mapped checkpoint can hand out one tensor, converted, and forget it).
/// </summary>
public interface IParameterSource
{
    /// <summary>A short name for messages (the file or folder).</summary>
    string Name { get; }

    /// <summary>The architecture.</summary>
    Graph Graph { get; }

    /// <summary>One parameter as a fresh float32 tensor the caller owns.</summary>
    /// <exception cref="KeyNotFoundException">No such parameter.</exception>
    Tensor<float> Read(string parameter);
}

/// <summary>An <see cref="IParameterSource"/> over a model held in memory (any precision).</summary>
public sealed class ModelParameterSource<T>(Model<T> model, string? name = null) : IParameterSource
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public string Name { get; } = name ?? model.Graph.Name;

    /// <inheritdoc />
    public Graph Graph => model.Graph;

    /// <inheritdoc />
    public Tensor<float> Read(string parameter) => typeof(T) == typeof(float)
        ? ((Tensor<float>)(object)model[parameter]).Clone()
        : model[parameter].Cast<float>();
}
