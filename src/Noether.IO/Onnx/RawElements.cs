using System.Buffers.Binary;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>Single elements of raw little-endian float tensor data (float32, float64, float16), read and written in place.</summary>
internal static class RawElements
{
    /// <summary>Bytes per element of a float type.</summary>
    public static int Size(DataType type) => type switch
    {
        DataType.Double => 8,
        DataType.Float => 4,
        DataType.Float16 => 2,
        _ => throw new ArgumentException($"{type} is not a float type written in place", nameof(type)),
    };

    /// <summary>Element <paramref name="i"/>, widened to double.</summary>
    public static double Read(DataType type, ReadOnlySpan<byte> data, int i) => type switch
    {
        DataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]),
        DataType.Float => BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]),
        _ => (double)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]),
    };

    /// <summary><paramref name="value"/> rounded to the element type (what the file would hold).</summary>
    public static double Round(DataType type, double value) => type switch
    {
        DataType.Float => (float)value,
        DataType.Float16 => (double)(Half)value,
        _ => value,
    };

    /// <summary>Stores <paramref name="value"/> (rounded to the element type) at element <paramref name="i"/>.</summary>
    public static void Write(DataType type, Span<byte> data, int i, double value)
    {
        switch (type)
        {
            case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(data[(i * 8)..], value); break;
            case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], (float)value); break;
            default: BinaryPrimitives.WriteHalfLittleEndian(data[(i * 2)..], (Half)value); break;
        }
    }
}
