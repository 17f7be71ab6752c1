using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>a + b (broadcasting).</summary>
    public static Variable<T> Add<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value + b.Value, "Add", [a, b], g => [g, g]);

    /// <summary>a − b (broadcasting).</summary>
    public static Variable<T> Sub<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value - b.Value, "Sub", [a, b], g => [g, b.RequiresGrad ? -g : null]);

    /// <summary>a · b (broadcasting).</summary>
    public static Variable<T> Mul<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value * b.Value, "Mul", [a, b], g => [a.RequiresGrad ? g * b.Value : null, b.RequiresGrad ? g * a.Value : null]);

    /// <summary>a / b (broadcasting).</summary>
    public static Variable<T> Div<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value / b.Value;
        return Make(y, "Div", [a, b], g => [a.RequiresGrad ? g / b.Value : null, b.RequiresGrad ? -(g * y / b.Value) : null]);
    }

    /// <summary>−a.</summary>
    public static Variable<T> Neg<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(-a.Value, "Neg", [a], g => [-g]);

    /// <summary>s · a for a constant scalar s.</summary>
    public static Variable<T> Scale<T>(Variable<T> a, T s) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value * s, "Scale", [a], g => [g * s]);

    /// <summary>a + s for a constant scalar s.</summary>
    public static Variable<T> AddScalar<T>(Variable<T> a, T s) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value + s, "AddScalar", [a], g => [g]);

    /// <summary>a ^ p for a constant exponent p.</summary>
    public static Variable<T> Pow<T>(Variable<T> a, T p) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Pow(p), "Pow", [a], g => [g * a.Value.Pow(p - T.One) * p]);

    /// <summary>eᵃ.</summary>
    public static Variable<T> Exp<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Exp();
        return Make(y, "Exp", [a], g => [g * y]);
    }

    /// <summary>ln a.</summary>
    public static Variable<T> Log<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Log(), "Log", [a], g => [g / a.Value]);

    /// <summary>√a.</summary>
    public static Variable<T> Sqrt<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Sqrt();
        return Make(y, "Sqrt", [a], g => [g / (y * T.CreateChecked(2))]);
    }

    /// <summary>|a| (subgradient 0 at 0).</summary>
    public static Variable<T> Abs<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Abs(), "Abs", [a], g => [g * a.Value.Map(v => T.CreateChecked(T.Sign(v)))]);

    /// <summary>a².</summary>
    public static Variable<T> Square<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Square(), "Square", [a], g => [g * a.Value * T.CreateChecked(2)]);

    /// <summary>tanh a.</summary>
    public static Variable<T> Tanh<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Tanh();
        return Make(y, "Tanh", [a], g => [g * (Tensor<T>.Scalar(T.One) - y.Square())]);
    }

    /// <summary>Logistic sigmoid.</summary>
    public static Variable<T> Sigmoid<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Sigmoid();
        return Make(y, "Sigmoid", [a], g => [g * y * (Tensor<T>.Scalar(T.One) - y)]);
    }

    /// <summary>max(a, 0).</summary>
    public static Variable<T> Relu<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => LeakyRelu(a, T.Zero, "Relu");

    /// <summary>a &gt; 0 ? a : α·a.</summary>
    public static Variable<T> LeakyRelu<T>(Variable<T> a, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
        => LeakyRelu(a, alpha, "LeakyRelu");

    private static Variable<T> LeakyRelu<T>(Variable<T> a, T alpha, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = a.Value.Contiguous();
        return Make(x.LeakyRelu(alpha), name, [a], g =>
        {
            var r = new Tensor<T>(x.ShapeArray());
            SimdKernels.LeakyReluBackward(x.Span, g.Contiguous().Span, alpha, r.Span);
            return [r];
        });
    }

    /// <summary>Exact GELU x·Φ(x); derivative Φ(x) + x·φ(x).</summary>
    public static Variable<T> Gelu<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Gelu(), "Gelu", [a], g => [g * a.Value.Map(v =>
        {
            double x = double.CreateTruncating(v);
            return T.CreateTruncating(0.5 * (1 + SpecialFunctions.Erf(x / Math.Sqrt(2))) + x * SpecialFunctions.NormalPdf(x));
        })]);

    /// <summary>x·sigmoid(x); derivative s·(1 + x·(1 − s)).</summary>
    public static Variable<T> Silu<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Silu(), "Silu", [a], g => [g * a.Value.Map(v =>
        {
            var s = T.One / (T.One + T.Exp(-v));
            return s * (T.One + v * (T.One - s));
        })]);

    /// <summary>ln(1 + eˣ); derivative sigmoid(x).</summary>
    public static Variable<T> Softplus<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Softplus(), "Softplus", [a], g => [g * a.Value.Sigmoid()]);

    /// <summary>A user-supplied elementwise function f with its derivative df.</summary>
    public static Variable<T> Map<T>(Variable<T> a, Func<T, T> f, Func<T, T> df, string name = "Map") where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Map(f), name, [a], g => [g * a.Value.Map(df)]);

    /// <summary>Elementwise maximum of two tensors; the gradient goes to the larger input (to a on ties).</summary>
    public static Variable<T> Maximum<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Maximum(b.Value);
        return Make(y, "Maximum", [a, b], g =>
        {
            var shape = y.ShapeArray();
            var ma = a.Value.BroadcastTo(shape).ToArray(); var mb = b.Value.BroadcastTo(shape).ToArray();
            var gs = g.Contiguous().Span;
            var ga = new T[ma.Length]; var gb = new T[ma.Length];
            for (int i = 0; i < ma.Length; i++) { if (ma[i] >= mb[i]) ga[i] = gs[i]; else gb[i] = gs[i]; }
            return [new Tensor<T>(ga, shape), new Tensor<T>(gb, shape)];
        });
    }
}
