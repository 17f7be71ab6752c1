using Noether.Tensors.Kernels;

namespace Noether.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => Elementwise.Binary<T, AddOp<T>>(a, b, "Add");
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => Elementwise.Binary<T, SubOp<T>>(a, b, "Sub");
    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => Elementwise.Binary<T, MulOp<T>>(a, b, "Mul");
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => Elementwise.Binary<T, DivOp<T>>(a, b, "Div");
    /// <summary>Adds a scalar.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T b) => a + Scalar(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor<T> operator -(Tensor<T> a, T b) => a - Scalar(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T b) => a * Scalar(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(T a, Tensor<T> b) => Scalar(a) * b;
    /// <summary>Divides by a scalar.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T b) => a / Scalar(b);
    /// <summary>Negation.</summary>
    public static Tensor<T> operator -(Tensor<T> a) => Elementwise.Unary<T, NegOp<T>>(a);

    /// <summary>Elementwise maximum with broadcasting.</summary>
    public Tensor<T> Maximum(Tensor<T> other) => Elementwise.Binary<T, MaxOp<T>>(this, other, "Maximum");
    /// <summary>Elementwise minimum with broadcasting.</summary>
    public Tensor<T> Minimum(Tensor<T> other) => Elementwise.Binary<T, MinOp<T>>(this, other, "Minimum");
    /// <summary>Elementwise power with broadcasting.</summary>
    public Tensor<T> Pow(Tensor<T> exponent) => Elementwise.Binary<T, PowOp<T>>(this, exponent, "Pow");
    /// <summary>Elementwise power by a scalar exponent.</summary>
    public Tensor<T> Pow(T exponent) => Pow(Scalar(exponent));

    /// <summary>eˣ.</summary>
    public Tensor<T> Exp() => Elementwise.Unary<T, ExpOp<T>>(this);
    /// <summary>ln x.</summary>
    public Tensor<T> Log() => Elementwise.Unary<T, LogOp<T>>(this);
    /// <summary>√x.</summary>
    public Tensor<T> Sqrt() => Elementwise.Unary<T, SqrtOp<T>>(this);
    /// <summary>|x|.</summary>
    public Tensor<T> Abs() => Elementwise.Unary<T, AbsOp<T>>(this);
    /// <summary>x².</summary>
    public Tensor<T> Square() => Elementwise.Unary<T, SquareOp<T>>(this);
    /// <summary>tanh x.</summary>
    public Tensor<T> Tanh() => Elementwise.Unary<T, TanhOp<T>>(this);
    /// <summary>Logistic sigmoid.</summary>
    public Tensor<T> Sigmoid() => Elementwise.Unary<T, SigmoidOp<T>>(this);
    /// <summary>max(x, 0).</summary>
    public Tensor<T> Relu() => Elementwise.Unary<T, ReluOp<T>>(this);
    /// <summary>max(this + other, 0) for tensors of one shape, in one pass (a residual join followed by ReLU).</summary>
    public Tensor<T> AddRelu(Tensor<T> other)
    {
        if (!Shapes.Equal(Shape, other.Shape)) throw new ShapeMismatchException("AddRelu", "shapes differ", ShapeArray(), other.ShapeArray());
        var r = Uninitialized(_shape);
        SimdKernels.AddRelu(Contiguous().Span, other.Contiguous().Span, r.Span);
        return r;
    }

    /// <summary>x &gt; 0 ? x : αx.</summary>
    public Tensor<T> LeakyRelu(T alpha)
    {
        var src = Contiguous(); var r = new Tensor<T>(ShapeArray());
        SimdKernels.LeakyRelu(src.Span, alpha, r.Span);
        return r;
    }
    /// <summary>Exact (erf) GELU.</summary>
    public Tensor<T> Gelu() => Elementwise.Unary<T, GeluOp<T>>(this);
    /// <summary>x·sigmoid(x).</summary>
    public Tensor<T> Silu() => Elementwise.Unary<T, SiluOp<T>>(this);
    /// <summary>ln(1 + eˣ), numerically stable.</summary>
    public Tensor<T> Softplus() => Elementwise.Unary<T, SoftplusOp<T>>(this);

    /// <summary>Applies an arbitrary scalar function elementwise (slow path for user-supplied functions).</summary>
    public Tensor<T> Map(Func<T, T> f)
    {
        var src = Contiguous().Span; var r = new Tensor<T>(ShapeArray()); var d = r.Span;
        for (int i = 0; i < d.Length; i++) d[i] = f(src[i]);
        return r;
    }

    /// <summary>Largest absolute elementwise difference to another tensor of the same shape.</summary>
    public T MaxAbsDiff(Tensor<T> other)
    {
        if (!Shapes.Equal(Shape, other.Shape)) throw new ShapeMismatchException("MaxAbsDiff", "shapes differ", ShapeArray(), other.ShapeArray());
        var a = Contiguous().Span; var b = other.Contiguous().Span;
        T m = T.Zero;
        for (int i = 0; i < a.Length; i++) { var d = T.Abs(a[i] - b[i]); if (d > m || T.IsNaN(d)) m = d; }
        return m;
    }
}
