using System.Numerics;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// min(max(x, <see cref="Min"/>), <see cref="Max"/>) — ONNX Clip, PyTorch's clamp, ReLU6 = clip(0, 6), hardtanh =
/// clip(−1, 1). The derivative is 1 strictly inside the interval and 0 outside and on its ends.
/// </summary>
public sealed record ClipActivation : Activation
{
    /// <summary>A clip to [<paramref name="min"/>, <paramref name="max"/>]; either end may be infinite.</summary>
    public ClipActivation(double min, double max)
    {
        if (double.IsNaN(min) || double.IsNaN(max)) throw new ArgumentException($"clip bounds must be numbers, got [{min}, {max}]");
        (Min, Max) = (min, max);
    }

    /// <summary>The lower bound (−∞ for none).</summary>
    public double Min { get; }
    /// <summary>The upper bound (+∞ for none).</summary>
    public double Max { get; }

    public override string Name => $"clip({Format(Min)},{Format(Max)})";

    public override Variable<T> Apply<T>(Variable<T> x)
    {
        T lo = T.CreateChecked(Min), hi = T.CreateChecked(Max);
        return Ops.Map(x, v => T.Min(T.Max(v, lo), hi), v => v > lo && v < hi ? T.One : T.Zero, "Clip");
    }

    public override double Evaluate(double x) => Math.Min(Math.Max(x, Min), Max);
}

/// <summary>max(0, min(1, αx + β)) (ONNX HardSigmoid).</summary>
public sealed record HardSigmoidActivation(double Alpha, double Beta) : Activation
{
    public override string Name => $"hard_sigmoid({Format(Alpha)},{Format(Beta)})";

    public override Variable<T> Apply<T>(Variable<T> x)
    {
        T a = T.CreateChecked(Alpha), b = T.CreateChecked(Beta);
        return Ops.Map(x, v => T.Max(T.Zero, T.Min(T.One, a * v + b)), v => a * v + b is var u && u > T.Zero && u < T.One ? a : T.Zero, "HardSigmoid");
    }

    public override double Evaluate(double x) => Math.Max(0, Math.Min(1, Alpha * x + Beta));
}

/// <summary>x·max(0, min(1, x/6 + 1/2)) (ONNX HardSwish; PyTorch's hardswish, MobileNetV3).</summary>
public sealed record HardSwishActivation : Activation
{
    public override string Name => "hard_swish";

    public override Variable<T> Apply<T>(Variable<T> x)
    {
        T three = T.CreateChecked(3), six = T.CreateChecked(6), half = T.CreateChecked(0.5);
        return Ops.Map(x, v => v * T.Max(T.Zero, T.Min(T.One, v / six + half)),
            v => v <= -three ? T.Zero : v >= three ? T.One : v / three + half, "HardSwish");
    }

    public override double Evaluate(double x) => x * Math.Max(0, Math.Min(1, x / 6 + 0.5));
}

/// <summary>
/// GELU's tanh approximation ½x(1 + tanh(c(x + κx³))), c = √(2/π), κ = 0.044715 (PyTorch's
/// <c>GELU(approximate='tanh')</c>, ONNX Gelu with <c>approximate = "tanh"</c>).
/// </summary>
public sealed record GeluTanhActivation : Activation
{
    /// <summary>√(2/π).</summary>
    public static readonly double C = Math.Sqrt(2 / Math.PI);
    /// <summary>The cubic coefficient 0.044715.</summary>
    public const double Kappa = 0.044715;

    public override string Name => "gelu_tanh";

    public override Variable<T> Apply<T>(Variable<T> x)
    {
        T c = T.CreateChecked(C), k = T.CreateChecked(Kappa), half = T.CreateChecked(0.5), three = T.CreateChecked(3);
        return Ops.Map(x, v => half * v * (T.One + T.Tanh(c * (v + k * v * v * v))), v =>
        {
            var t = T.Tanh(c * (v + k * v * v * v));
            return half * (T.One + t) + half * v * (T.One - t * t) * c * (T.One + three * k * v * v);
        }, "GeluTanh");
    }

    public override double Evaluate(double x) => 0.5 * x * (1 + Math.Tanh(C * (x + Kappa * x * x * x)));
}
