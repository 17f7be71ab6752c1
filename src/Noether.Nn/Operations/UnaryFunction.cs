using System.Numerics;
using System.Text.Json.Serialization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Elementwise functions that are not activations in the symmetry sense (they appear inside decomposed norms,
/// GELUs and attention). Activations proper (ReLU, tanh, …) are <see cref="Activation"/> values.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<UnaryFunction>))]
public enum UnaryFunction
{
    /// <summary>−x.</summary>
    Neg,
    /// <summary>eˣ.</summary>
    Exp,
    /// <summary>ln x.</summary>
    Log,
    /// <summary>√x.</summary>
    Sqrt,
    /// <summary>1 / x.</summary>
    Reciprocal,
    /// <summary>The error function.</summary>
    Erf,
    /// <summary>sin x.</summary>
    Sin,
    /// <summary>cos x.</summary>
    Cos,
}

/// <summary>Runs a <see cref="UnaryFunction"/> with autodiff.</summary>
public static class UnaryFunctions
{
    /// <summary>f(x).</summary>
    public static Variable<T> Apply<T>(this UnaryFunction f, Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        UnaryFunction.Neg => -x,
        UnaryFunction.Exp => Ops.Exp(x),
        UnaryFunction.Log => Ops.Log(x),
        UnaryFunction.Sqrt => Ops.Sqrt(x),
        UnaryFunction.Reciprocal => Variable<T>.Constant(Tensor<T>.Scalar(T.One)) / x,
        UnaryFunction.Erf => Ops.Erf(x),
        UnaryFunction.Sin => Ops.Map(x, T.Sin, T.Cos, "Sin"),
        UnaryFunction.Cos => Ops.Map(x, T.Cos, v => -T.Sin(v), "Cos"),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown unary function"),
    };
}
