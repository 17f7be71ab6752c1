using System.Numerics;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// An elementwise activation function as an immutable value. The symmetry layer reads these values to decide
/// each activation's intertwiner group; <see cref="Apply{T}"/> runs it with autodiff.
/// </summary>
public abstract record Activation
{
    /// <summary>A short name such as <c>relu</c> or <c>leaky_relu(0.1)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Applies the function elementwise.</summary>
    public abstract Variable<T> Apply<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Evaluates the function at one point (used by numerical classifiers and tests).</summary>
    public abstract double Evaluate(double x);

    /// <inheritdoc />
    public sealed override string ToString() => Name;

    /// <summary>The identity map.</summary>
    public static Activation Identity { get; } = new IdentityActivation();
    /// <summary>max(x, 0).</summary>
    public static Activation Relu { get; } = new ReluActivation();
    /// <summary>x &gt; 0 ? x : αx.</summary>
    public static Activation LeakyRelu(double alpha = 0.01) => new LeakyReluActivation(alpha);
    /// <summary>Exact GELU.</summary>
    public static Activation Gelu { get; } = new GeluActivation();
    /// <summary>x·sigmoid(x).</summary>
    public static Activation Silu { get; } = new SiluActivation();
    /// <summary>tanh.</summary>
    public static Activation Tanh { get; } = new TanhActivation();
    /// <summary>Logistic sigmoid.</summary>
    public static Activation Sigmoid { get; } = new SigmoidActivation();
    /// <summary>ln(1 + eˣ).</summary>
    public static Activation Softplus { get; } = new SoftplusActivation();
    /// <summary>|x|.</summary>
    public static Activation Abs { get; } = new AbsActivation();
    /// <summary>min(max(x, <paramref name="min"/>), <paramref name="max"/>); ±∞ leave a side open.</summary>
    public static Activation Clip(double min, double max) => new ClipActivation(min, max);
    /// <summary>ReLU6: clip(x, 0, 6).</summary>
    public static Activation Relu6 { get; } = new ClipActivation(0, 6);
    /// <summary>max(0, min(1, αx + β)); ONNX's defaults α = 0.2, β = 0.5 (PyTorch's hardsigmoid: α = 1/6).</summary>
    public static Activation HardSigmoid(double alpha = 0.2, double beta = 0.5) => new HardSigmoidActivation(alpha, beta);
    /// <summary>x·max(0, min(1, x/6 + 1/2)).</summary>
    public static Activation HardSwish { get; } = new HardSwishActivation();
    /// <summary>GELU's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static Activation GeluTanh { get; } = new GeluTanhActivation();

    /// <summary>Parses names produced by <see cref="Name"/> (e.g. <c>relu</c>, <c>leaky_relu(0.2)</c>).</summary>
    public static Activation Parse(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        if (n.StartsWith("leaky_relu"))
        {
            var inside = n.Length > "leaky_relu".Length ? n["leaky_relu".Length..].Trim('(', ')') : "0.01";
            return LeakyRelu(double.Parse(inside, System.Globalization.CultureInfo.InvariantCulture));
        }
        if (n.StartsWith("clip(") && Arguments(name, n, "clip") is [var lo, var hi]) return Clip(lo, hi);
        if (n.StartsWith("hard_sigmoid(") && Arguments(name, n, "hard_sigmoid") is [var a, var b]) return HardSigmoid(a, b);
        return n switch
        {
            "identity" or "linear" or "none" => Identity,
            "relu" => Relu, "gelu" => Gelu, "silu" or "swish" => Silu, "tanh" => Tanh,
            "sigmoid" => Sigmoid, "softplus" => Softplus, "abs" => Abs, "relu6" => Relu6,
            "hard_sigmoid" or "hardsigmoid" => HardSigmoid(), "hard_swish" or "hardswish" => HardSwish,
            "gelu_tanh" => GeluTanh,
            _ => throw new ArgumentException($"Unknown activation '{name}'. Known: {Known}"),
        };
    }

    private const string Known = "identity, relu, leaky_relu(α), gelu, gelu_tanh, silu, tanh, sigmoid, softplus, abs, relu6, clip(min,max), hard_sigmoid(α,β), hard_swish";

    /// <summary>The numbers inside <c>name(a,b,…)</c>; <c>inf</c> and <c>-inf</c> stand for ±∞.</summary>
    private static double[] Arguments(string original, string n, string head)
    {
        if (!n.EndsWith(')')) throw new ArgumentException($"Unknown activation '{original}'. Known: {Known}");
        return n[(head.Length + 1)..^1].Split(',').Select(p => p.Trim() switch
        {
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var v => double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d)
                ? d : throw new ArgumentException($"Activation '{original}': '{v}' is not a number"),
        }).ToArray();
    }

    /// <summary>A parameter as written in <see cref="Name"/>: shortest round-trip form, <c>inf</c>/<c>-inf</c> for ±∞.</summary>
    private protected static string Format(double v) => double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf"
        : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The identity map.</summary>
public sealed record IdentityActivation : Activation
{
    public override string Name => "identity";
    public override Variable<T> Apply<T>(Variable<T> x) => x;
    public override double Evaluate(double x) => x;
}

/// <summary>max(x, 0).</summary>
public sealed record ReluActivation : Activation
{
    public override string Name => "relu";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Relu(x);
    public override double Evaluate(double x) => Math.Max(x, 0);
}

/// <summary>x &gt; 0 ? x : αx.</summary>
public sealed record LeakyReluActivation(double Alpha) : Activation
{
    public override string Name => $"leaky_relu({Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.LeakyRelu(x, T.CreateChecked(Alpha));
    public override double Evaluate(double x) => x > 0 ? x : Alpha * x;
}

/// <summary>Exact (erf) GELU.</summary>
public sealed record GeluActivation : Activation
{
    public override string Name => "gelu";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Gelu(x);
    public override double Evaluate(double x) => 0.5 * x * (1 + Noether.Tensors.Kernels.SpecialFunctions.Erf(x / Math.Sqrt(2)));
}

/// <summary>x·sigmoid(x).</summary>
public sealed record SiluActivation : Activation
{
    public override string Name => "silu";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Silu(x);
    public override double Evaluate(double x) => x / (1 + Math.Exp(-x));
}

/// <summary>tanh.</summary>
public sealed record TanhActivation : Activation
{
    public override string Name => "tanh";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Tanh(x);
    public override double Evaluate(double x) => Math.Tanh(x);
}

/// <summary>Logistic sigmoid.</summary>
public sealed record SigmoidActivation : Activation
{
    public override string Name => "sigmoid";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Sigmoid(x);
    public override double Evaluate(double x) => 1 / (1 + Math.Exp(-x));
}

/// <summary>ln(1 + eˣ).</summary>
public sealed record SoftplusActivation : Activation
{
    public override string Name => "softplus";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Softplus(x);
    public override double Evaluate(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}

/// <summary>|x|.</summary>
public sealed record AbsActivation : Activation
{
    public override string Name => "abs";
    public override Variable<T> Apply<T>(Variable<T> x) => Ops.Abs(x);
    public override double Evaluate(double x) => Math.Abs(x);
}

/// <summary>
/// A user-supplied elementwise function with its derivative. Its symmetry group is decided numerically by the
/// symmetry layer. Equality is by name and delegate identity.
/// </summary>
public sealed record CustomActivation(string FunctionName, Func<double, double> Function, Func<double, double> Derivative) : Activation
{
    public override string Name => FunctionName;
    public override Variable<T> Apply<T>(Variable<T> x)
        => Ops.Map(x, v => T.CreateChecked(Function(double.CreateChecked(v))), v => T.CreateChecked(Derivative(double.CreateChecked(v))), FunctionName);
    public override double Evaluate(double x) => Function(x);
}
