using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Tensors.Kernels;

/// <summary>An elementwise unary operation with a scalar reference form and a SIMD span form.</summary>
public interface IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Scalar form.</summary>
    static abstract T Apply(T x);
    /// <summary>dst[i] = op(x[i]).</summary>
    static abstract void Apply(ReadOnlySpan<T> x, Span<T> dst);
}

/// <summary>−x.</summary>
public readonly struct NegOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => -x;
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Negate(x, d);
}

/// <summary>eˣ.</summary>
public readonly struct ExpOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Exp(x);
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Exp(x, d);
}

/// <summary>ln x.</summary>
public readonly struct LogOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Log(x);
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Log(x, d);
}

/// <summary>√x.</summary>
public readonly struct SqrtOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Sqrt(x);
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Sqrt(x, d);
}

/// <summary>|x|.</summary>
public readonly struct AbsOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Abs(x);
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Abs(x, d);
}

/// <summary>tanh x.</summary>
public readonly struct TanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Tanh(x);
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Tanh(x, d);
}

/// <summary>1 / (1 + e⁻ˣ).</summary>
public readonly struct SigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.One / (T.One + T.Exp(-x));
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) { if (!x.IsEmpty) TP.Sigmoid(x, d); }
}

/// <summary>max(x, 0).</summary>
public readonly struct ReluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => x > T.Zero ? x : T.Zero;
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => SimdKernels.Relu(x, d);
}

/// <summary>x².</summary>
public readonly struct SquareOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => x * x;
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) => TP.Multiply(x, x, d);
}

/// <summary>ln(1 + eˣ), computed stably as max(x,0) + ln(1 + e^{−|x|}).</summary>
public readonly struct SoftplusOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Max(x, T.Zero) + T.LogP1(T.Exp(-T.Abs(x)));
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) { for (int i = 0; i < x.Length; i++) d[i] = Apply(x[i]); }
}

/// <summary>x · sigmoid(x) (SiLU / swish).</summary>
public readonly struct SiluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => x / (T.One + T.Exp(-x));
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) { if (x.IsEmpty) return; TP.Sigmoid(x, d); TP.Multiply(x, d, d); }
}

/// <summary>Exact GELU: x · Φ(x) = x/2 · (1 + erf(x/√2)).</summary>
public readonly struct GeluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.CreateTruncating(0.5 * double.CreateTruncating(x) * (1 + SpecialFunctions.Erf(double.CreateTruncating(x) / Math.Sqrt(2))));
    public static void Apply(ReadOnlySpan<T> x, Span<T> d) { for (int i = 0; i < x.Length; i++) d[i] = Apply(x[i]); }
}
