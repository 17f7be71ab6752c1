using System.Numerics;

namespace Noether.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>A contiguous tensor whose elements are not cleared: only for results that overwrite every element.</summary>
    internal static Tensor<T> Uninitialized(params int[] shape)
        => new(TensorArena.Allocate<T>(Shapes.Size(shape), clear: false), 0, (int[])shape.Clone(), Shapes.ContiguousStrides(shape));

    /// <summary>A tensor of zeros.</summary>
    public static Tensor<T> Zeros(params int[] shape) => new(shape);

    /// <summary>A tensor of ones.</summary>
    public static Tensor<T> Ones(params int[] shape) => Full(T.One, shape);

    /// <summary>A tensor filled with one value.</summary>
    public static Tensor<T> Full(T value, params int[] shape)
    {
        var t = new Tensor<T>(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A rank-0 tensor holding one value.</summary>
    public static Tensor<T> Scalar(T value) => new(new[] { value }, Array.Empty<int>());

    /// <summary>A tensor with a copy of the given values and shape (default: 1-D).</summary>
    public static Tensor<T> FromArray(T[] values, params int[] shape)
        => new((T[])values.Clone(), shape.Length == 0 ? new[] { values.Length } : shape);

    /// <summary>0, 1, …, n−1 as a 1-D tensor.</summary>
    public static Tensor<T> Arange(int n)
    {
        var t = new Tensor<T>(n);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = T.CreateChecked(i);
        return t;
    }

    /// <summary>The n×n identity matrix.</summary>
    public static Tensor<T> Eye(int n)
    {
        var t = new Tensor<T>(n, n);
        for (int i = 0; i < n; i++) t.Span[i * n + i] = T.One;
        return t;
    }

    /// <summary>Standard normal samples from a seeded source.</summary>
    public static Tensor<T> RandomNormal(Rng rng, params int[] shape) => RandomNormal(rng, T.Zero, T.One, shape);

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor<T> RandomNormal(Rng rng, T mean, T std, params int[] shape)
    {
        var t = new Tensor<T>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = mean + std * T.CreateChecked(rng.NextNormal());
        return t;
    }

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor<T> RandomUniform(Rng rng, T low, T high, params int[] shape)
    {
        var t = new Tensor<T>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * T.CreateChecked(rng.NextDouble());
        return t;
    }
}
