using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors.Tests;

/// <summary>SIMD kernels against scalar references for every length 0..256 (all Vector512/Vector256 tails).</summary>
public class KernelTests
{
    private static readonly int[] Lengths = Enumerable.Range(0, 257).ToArray();

    private static T[] Data<T>(Rng rng, int n) where T : unmanaged, IFloatingPointIeee754<T>
        => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.NextNormal() * 2)).ToArray();

    private static void Close<T>(T expected, T actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double e = double.CreateTruncating(expected), a = double.CreateTruncating(actual);
        double tol = (typeof(T) == typeof(float) ? 2e-6 : 1e-14) * Math.Max(1, Math.Abs(e));
        if (double.IsNaN(e) && double.IsNaN(a)) return;
        Assert.True(Math.Abs(e - a) <= tol * 8, $"{what}: expected {e}, got {a}");
    }

    private static void Binary<T, TOp>(string name) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        var rng = new Rng(7);
        foreach (int n in Lengths)
        {
            var x = Data<T>(rng, n); var y = Data<T>(rng, n).Select(v => name is "Div" or "Pow" ? T.Abs(v) + T.One : v).ToArray();
            if (name == "Pow") x = x.Select(T.Abs).ToArray();
            var d = new T[n]; var ds = new T[n]; var sd = new T[n];
            T s = y.Length > 0 ? y[0] : T.One;
            TOp.Apply(x, y, d); TOp.Apply(x, s, ds); TOp.Apply(s, y, sd);
            for (int i = 0; i < n; i++)
            {
                Close(TOp.Apply(x[i], y[i]), d[i], $"{name} n={n} i={i}");
                Close(TOp.Apply(x[i], s), ds[i], $"{name}(span, scalar) n={n} i={i}");
                Close(TOp.Apply(s, y[i]), sd[i], $"{name}(scalar, span) n={n} i={i}");
            }
        }
    }

    private static void Unary<T, TOp>(string name) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<T>
    {
        var rng = new Rng(8);
        foreach (int n in Lengths)
        {
            var x = Data<T>(rng, n);
            if (name is "Log" or "Sqrt") x = x.Select(v => T.Abs(v) + T.CreateTruncating(0.1)).ToArray();
            var d = new T[n];
            TOp.Apply(x, d);
            for (int i = 0; i < n; i++) Close(TOp.Apply(x[i]), d[i], $"{name} n={n} i={i}");
        }
    }

    private static void AllElementwise<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        Binary<T, AddOp<T>>("Add"); Binary<T, SubOp<T>>("Sub"); Binary<T, MulOp<T>>("Mul"); Binary<T, DivOp<T>>("Div");
        Binary<T, MaxOp<T>>("Max"); Binary<T, MinOp<T>>("Min"); Binary<T, PowOp<T>>("Pow");
        Unary<T, NegOp<T>>("Neg"); Unary<T, ExpOp<T>>("Exp"); Unary<T, LogOp<T>>("Log"); Unary<T, SqrtOp<T>>("Sqrt");
        Unary<T, AbsOp<T>>("Abs"); Unary<T, TanhOp<T>>("Tanh"); Unary<T, SigmoidOp<T>>("Sigmoid"); Unary<T, ReluOp<T>>("Relu");
        Unary<T, SquareOp<T>>("Square"); Unary<T, SoftplusOp<T>>("Softplus"); Unary<T, SiluOp<T>>("Silu"); Unary<T, GeluOp<T>>("Gelu");
    }

    [Fact] public void ElementwiseFloat() => AllElementwise<float>();
    [Fact] public void ElementwiseDouble() => AllElementwise<double>();

    private static void HandWritten<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(9);
        T alpha = T.CreateTruncating(0.2);
        foreach (int n in Lengths)
        {
            var x = Data<T>(rng, n); var g = Data<T>(rng, n); var y0 = Data<T>(rng, n);
            var relu = new T[n]; var leaky = new T[n]; var back = new T[n]; var axpy = (T[])y0.Clone();
            SimdKernels.Relu<T>(x, relu);
            SimdKernels.LeakyRelu<T>(x, alpha, leaky);
            SimdKernels.LeakyReluBackward<T>(x, g, alpha, back);
            SimdKernels.Axpy(alpha, x, axpy);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(x[i] > T.Zero ? x[i] : T.Zero, relu[i]);
                Assert.Equal(x[i] > T.Zero ? x[i] : alpha * x[i], leaky[i]);
                Assert.Equal(x[i] > T.Zero ? g[i] : alpha * g[i], back[i]);
                Close(alpha * x[i] + y0[i], axpy[i], $"Axpy n={n} i={i}");
            }
        }
    }

    [Fact] public void HandWrittenFloat() => HandWritten<float>();
    [Fact] public void HandWrittenDouble() => HandWritten<double>();

    private static void Reductions<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(10);
        foreach (int n in Lengths.Where(n => n > 0))
        {
            var x = Data<T>(rng, n);
            var t = Tensor<T>.FromArray(x);
            T sum = T.Zero; foreach (var v in x) sum += v;
            Close(sum, t.Sum(), $"Sum n={n}");
            Assert.Equal(x.Max(), t.Max());
            var sm = t.Softmax().ToArray();
            T mx = x.Max(); double z = x.Sum(v => Math.Exp(double.CreateTruncating(v - mx)));
            for (int i = 0; i < n; i++) Close(T.CreateTruncating(Math.Exp(double.CreateTruncating(x[i] - mx)) / z), sm[i], $"Softmax n={n}");
            Assert.Equal(Array.IndexOf(x, x.Max()), t.ArgMax()[0]);
        }
    }

    [Fact] public void ReductionsFloat() => Reductions<float>();
    [Fact] public void ReductionsDouble() => Reductions<double>();

    [Fact]
    public void MismatchedSpanLengthsNameBothLengths()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => SimdKernels.Axpy(1.0, new double[3], new double[4]));
        Assert.Contains("[3]", e.Message); Assert.Contains("[4]", e.Message);
    }
}
