using System.Numerics;
using Noether.Tensors;

namespace Noether.Nn.Operations;

/// <summary>How a parameter is initialised (PyTorch's defaults are the reference).</summary>
public abstract record Initializer
{
    /// <summary>Draws a tensor of the given shape.</summary>
    public abstract Tensor<T> Create<T>(Rng rng, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>All zeros.</summary>
    public static Initializer Zeros { get; } = new ConstantInit(0);
    /// <summary>All ones.</summary>
    public static Initializer Ones { get; } = new ConstantInit(1);
    /// <summary>U(−b, b).</summary>
    public static Initializer Uniform(double bound) => new UniformInit(bound);
    /// <summary>N(0, σ²).</summary>
    public static Initializer Normal(double std) => new NormalInit(std);
}

/// <summary>A constant value.</summary>
public sealed record ConstantInit(double Value) : Initializer
{
    public override Tensor<T> Create<T>(Rng rng, int[] shape) => Tensor<T>.Full(T.CreateChecked(Value), shape);
}

/// <summary>U(−Bound, Bound).</summary>
public sealed record UniformInit(double Bound) : Initializer
{
    public override Tensor<T> Create<T>(Rng rng, int[] shape) => Tensor<T>.RandomUniform(rng, T.CreateChecked(-Bound), T.CreateChecked(Bound), shape);
}

/// <summary>N(0, Std²).</summary>
public sealed record NormalInit(double Std) : Initializer
{
    public override Tensor<T> Create<T>(Rng rng, int[] shape) => Tensor<T>.RandomNormal(rng, T.Zero, T.CreateChecked(Std), shape);
}
