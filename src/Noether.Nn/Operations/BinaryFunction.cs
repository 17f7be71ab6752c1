using System.Numerics;
using System.Text.Json.Serialization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>An elementwise function of two operands (NumPy broadcasting).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BinaryFunction>))]
public enum BinaryFunction
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
    /// <summary>aᵇ.</summary>
    Pow,
    /// <summary>max(a, b).</summary>
    Max,
    /// <summary>min(a, b).</summary>
    Min,
}

/// <summary>Runs a <see cref="BinaryFunction"/> on variables, and the per-sample broadcasting the binary ops share.</summary>
public static class BinaryFunctions
{
    /// <summary>f(a, b) with autodiff; a scalar exponent uses the cheaper scalar power rule.</summary>
    public static Variable<T> Apply<T>(this BinaryFunction f, Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        BinaryFunction.Add => a + b,
        BinaryFunction.Sub => a - b,
        BinaryFunction.Mul => a * b,
        BinaryFunction.Div => a / b,
        BinaryFunction.Pow when b.Value.Length == 1 && !b.RequiresGrad => Ops.Pow(a, b.Value.ToArray()[0]),
        BinaryFunction.Pow => Ops.Pow(a, b),
        BinaryFunction.Max => Ops.Maximum(a, b),
        BinaryFunction.Min => -Ops.Maximum(-a, -b),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown binary function"),
    };

    /// <summary>
    /// Per-sample broadcasting: the per-sample shapes broadcast right-aligned (NumPy rules) while the batch axes
    /// stay aligned with each other.
    /// </summary>
    public static int[] BroadcastSample(string kind, int[] a, int[] b)
    {
        try { return Shapes.Broadcast(a, b, kind); }
        catch (ShapeMismatchException e) { throw new ShapeMismatchException(kind, $"per-sample shapes do not broadcast ({e.Message})", a, b); }
    }

    /// <summary>A batched value [N, …] reshaped to [N, 1, …, 1, …] with <paramref name="sampleRank"/> per-sample axes.</summary>
    public static Variable<T> AlignSample<T>(Variable<T> v, int sampleRank) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int have = v.Value.Rank - 1;
        if (have >= sampleRank) return v;
        var s = v.Value.ShapeArray();
        return Ops.Reshape(v, [s[0], .. Enumerable.Repeat(1, sampleRank - have), .. s[1..]]);
    }

    /// <summary>A per-sample tensor (no batch axis) reshaped to [1, 1, …, shape] with <paramref name="sampleRank"/> per-sample axes.</summary>
    public static Variable<T> AlignUnbatched<T>(Variable<T> v, int sampleRank) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = v.Value.ShapeArray();
        return Ops.Reshape(v, [1, .. Enumerable.Repeat(1, Math.Max(0, sampleRank - s.Length)), .. s]);
    }

    /// <summary>The ONNX-style operator name (Add, Sub, …).</summary>
    public static string Symbol(this BinaryFunction f) => f.ToString();
}
