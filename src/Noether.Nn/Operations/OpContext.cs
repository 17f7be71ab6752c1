using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>What an op sees while it runs: its parameters, the mode, a random source, and a sink for buffer updates.</summary>
public sealed class OpContext<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly string _node;
    private readonly IReadOnlyDictionary<string, Variable<T>> _parameters;
    private readonly Action<string, Tensor<T>> _setBuffer;

    internal OpContext(string node, IReadOnlyDictionary<string, Variable<T>> parameters, bool training, Rng rng, Action<string, Tensor<T>> setBuffer)
    {
        _node = node;
        _parameters = parameters;
        Training = training;
        Rng = rng;
        _setBuffer = setBuffer;
    }

    /// <summary>True in training mode (dropout active, BatchNorm uses batch statistics).</summary>
    public bool Training { get; }

    /// <summary>Random source for stochastic ops (dropout).</summary>
    public Rng Rng { get; }

    /// <summary>The node's name.</summary>
    public string NodeName => _node;

    /// <summary>The parameter of this node with the given role.</summary>
    public Variable<T> Parameter(string role)
        => _parameters.TryGetValue($"{_node}.{role}", out var v) ? v : throw new KeyNotFoundException($"Node '{_node}' has no parameter '{_node}.{role}'");

    /// <summary>Records a new value for a buffer of this node (e.g. BatchNorm running mean).</summary>
    public void SetBuffer(string role, Tensor<T> value) => _setBuffer($"{_node}.{role}", value);
}
