using System.Buffers.Binary;
using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// A finite weight that would become ±∞ when stored in a narrower element type (a transform that scaled a float32
/// weight past 3.4·10³⁸, a float16 weight past 65504). Writers refuse such a file instead of writing ±∞.
/// </summary>
public sealed class ValueOverflowException : ArgumentException
{
    /// <summary>Creates the exception; <paramref name="where"/> (a file) prefixes the message.</summary>
    public ValueOverflowException(string where, string tensor, int[] shape, int element, double value, SafetensorsDtype dtype)
        : base($"{where}: refusing to write ±∞: tensor '{tensor}' {Shapes.Format(shape)} element {element} is {value:G6}, beyond the largest {dtype.ToHeaderName()} ({StorageRange.MaxFinite(dtype):G6})")
        => (Tensor, Shape, Element, Value, Dtype) = (tensor, shape, element, value, dtype);

    /// <summary>The tensor's name.</summary>
    public string Tensor { get; }
    /// <summary>The tensor's shape.</summary>
    public int[] Shape { get; }
    /// <summary>Row-major index of the first value that does not fit.</summary>
    public int Element { get; }
    /// <summary>That value.</summary>
    public double Value { get; }
    /// <summary>The element type it was to be stored in.</summary>
    public SafetensorsDtype Dtype { get; }
}

/// <summary>Range checks and conversions for storing weights in float64, float32, float16 or bfloat16.</summary>
public static class StorageRange
{
    /// <summary>The largest finite value of a floating-point dtype.</summary>
    public static double MaxFinite(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F64 => double.MaxValue,
        SafetensorsDtype.F32 => float.MaxValue,
        SafetensorsDtype.F16 => (double)Half.MaxValue,
        // The largest bfloat16 is 0x7F7F; values up to halfway to the next power (rounded to nearest even) still round to it.
        SafetensorsDtype.BF16 => BitConverter.UInt32BitsToSingle(0x7F7F0000),
        _ => throw new ArgumentException($"{dtype.ToHeaderName()} is not a floating-point dtype for weights", nameof(dtype)),
    };

    /// <summary>
    /// Throws <see cref="ValueOverflowException"/> for the first finite value of any parameter that would round to ±∞ in
    /// its target dtype (<paramref name="dtypeOf"/>). ±∞ and NaN already in the model are left to <see cref="ParameterValues"/>.
    /// </summary>
    public static void RequireFits<T>(Model<T> model, Func<string, SafetensorsDtype> dtypeOf, string where) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dtypeOf);
        foreach (var p in model.Graph.Parameters)
        {
            if (!model.Parameters.TryGetValue(p.Name, out var t)) continue;
            var dtype = dtypeOf(p.Name);
            if (dtype == SafetensorsDtype.F64 && typeof(T) == typeof(double)) continue;
            var values = t.Contiguous().Span;
            for (int i = 0; i < values.Length; i++)
            {
                double v = double.CreateTruncating(values[i]);
                if (double.IsFinite(v) && !double.IsFinite(Round(v, dtype))) throw new ValueOverflowException(where, p.Name, p.Shape, i, v, dtype);
            }
        }
    }

    /// <summary>A value rounded to <paramref name="dtype"/> (to nearest even), as double.</summary>
    public static double Round(double v, SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F64 => v,
        SafetensorsDtype.F32 => (float)v,
        SafetensorsDtype.F16 => (double)(Half)v,
        SafetensorsDtype.BF16 => BitConverter.UInt32BitsToSingle((uint)ToBFloat16((float)v) << 16),
        _ => throw new ArgumentException($"{dtype.ToHeaderName()} is not a floating-point dtype for weights", nameof(dtype)),
    };

    /// <summary>A safetensors entry holding <paramref name="tensor"/> in <paramref name="dtype"/> (F64, F32, F16 or BF16).</summary>
    public static SafetensorsTensor Entry<T>(string name, Tensor<T> tensor, SafetensorsDtype dtype) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Already in the stored type: write the tensor itself (no copy of a whole model before writing).
        if ((dtype == SafetensorsDtype.F64 && typeof(T) == typeof(double)) || (dtype == SafetensorsDtype.F32 && typeof(T) == typeof(float)))
            return SafetensorsTensor.From(name, tensor);
        switch (dtype)
        {
            case SafetensorsDtype.F64: return SafetensorsTensor.From(name, tensor.Cast<double>());
            case SafetensorsDtype.F32: return SafetensorsTensor.From(name, tensor.Cast<float>());
            case SafetensorsDtype.F16: return SafetensorsTensor.From(name, tensor.Cast<Half>());
            case SafetensorsDtype.BF16:
                var values = tensor.Contiguous().Span;
                var bytes = new byte[values.Length * 2];
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), ToBFloat16(float.CreateTruncating(values[i])));
                return SafetensorsTensor.Raw(name, SafetensorsDtype.BF16, tensor.ShapeArray(), bytes);
            default: throw new ArgumentException($"{dtype.ToHeaderName()} is not a floating-point dtype for weights", nameof(dtype));
        }
    }

    /// <summary>float32 → bfloat16 bits, rounding to nearest even (NaN stays NaN).</summary>
    public static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
