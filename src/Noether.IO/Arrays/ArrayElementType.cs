using Noether.IO.Internal;

namespace Noether.IO;

/// <summary>The element types a <see cref="TypedArray"/> can hold (NumPy's numeric dtypes).</summary>
public enum ArrayElementType
{
    /// <summary>NumPy bool (one byte, 0 or 1).</summary>
    Bool,
    /// <summary>uint8.</summary>
    UInt8,
    /// <summary>int8.</summary>
    Int8,
    /// <summary>uint16.</summary>
    UInt16,
    /// <summary>int16.</summary>
    Int16,
    /// <summary>uint32.</summary>
    UInt32,
    /// <summary>int32.</summary>
    Int32,
    /// <summary>uint64.</summary>
    UInt64,
    /// <summary>int64.</summary>
    Int64,
    /// <summary>IEEE half precision.</summary>
    Float16,
    /// <summary>IEEE single precision.</summary>
    Float32,
    /// <summary>IEEE double precision.</summary>
    Float64,
}

/// <summary>Names, sizes and storage kinds of <see cref="ArrayElementType"/>.</summary>
public static class ArrayElementTypes
{
    /// <summary>NumPy's name of the type (<c>float32</c>, <c>int64</c>, <c>bool</c>, …).</summary>
    public static string Name(this ArrayElementType type) => type switch
    {
        ArrayElementType.Bool => "bool",
        ArrayElementType.UInt8 => "uint8",
        ArrayElementType.Int8 => "int8",
        ArrayElementType.UInt16 => "uint16",
        ArrayElementType.Int16 => "int16",
        ArrayElementType.UInt32 => "uint32",
        ArrayElementType.Int32 => "int32",
        ArrayElementType.UInt64 => "uint64",
        ArrayElementType.Int64 => "int64",
        ArrayElementType.Float16 => "float16",
        ArrayElementType.Float32 => "float32",
        ArrayElementType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(this ArrayElementType type) => type.Kind().Size();

    /// <summary>True for float16, float32 and float64.</summary>
    public static bool IsFloatingPoint(this ArrayElementType type) => type is ArrayElementType.Float16 or ArrayElementType.Float32 or ArrayElementType.Float64;

    internal static ElementKind Kind(this ArrayElementType type) => type switch
    {
        ArrayElementType.Bool => ElementKind.Bool,
        ArrayElementType.UInt8 => ElementKind.U8,
        ArrayElementType.Int8 => ElementKind.I8,
        ArrayElementType.UInt16 => ElementKind.U16,
        ArrayElementType.Int16 => ElementKind.I16,
        ArrayElementType.UInt32 => ElementKind.U32,
        ArrayElementType.Int32 => ElementKind.I32,
        ArrayElementType.UInt64 => ElementKind.U64,
        ArrayElementType.Int64 => ElementKind.I64,
        ArrayElementType.Float16 => ElementKind.F16,
        ArrayElementType.Float32 => ElementKind.F32,
        ArrayElementType.Float64 => ElementKind.F64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    internal static ArrayElementType? FromKind(ElementKind kind) => kind switch
    {
        ElementKind.Bool => ArrayElementType.Bool,
        ElementKind.U8 => ArrayElementType.UInt8,
        ElementKind.I8 => ArrayElementType.Int8,
        ElementKind.U16 => ArrayElementType.UInt16,
        ElementKind.I16 => ArrayElementType.Int16,
        ElementKind.U32 => ArrayElementType.UInt32,
        ElementKind.I32 => ArrayElementType.Int32,
        ElementKind.U64 => ArrayElementType.UInt64,
        ElementKind.I64 => ArrayElementType.Int64,
        ElementKind.F16 => ArrayElementType.Float16,
        ElementKind.F32 => ArrayElementType.Float32,
        ElementKind.F64 => ArrayElementType.Float64,
        _ => null,
    };

    /// <summary>The little-endian NumPy descriptor (<c>&lt;f4</c>, <c>&lt;i8</c>, <c>|b1</c>, …).</summary>
    internal static string NpyDescr(this ArrayElementType type) => type switch
    {
        ArrayElementType.Bool => "|b1",
        ArrayElementType.UInt8 => "|u1",
        ArrayElementType.Int8 => "|i1",
        ArrayElementType.UInt16 => "<u2",
        ArrayElementType.Int16 => "<i2",
        ArrayElementType.UInt32 => "<u4",
        ArrayElementType.Int32 => "<i4",
        ArrayElementType.UInt64 => "<u8",
        ArrayElementType.Int64 => "<i8",
        ArrayElementType.Float16 => "<f2",
        ArrayElementType.Float32 => "<f4",
        ArrayElementType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };
}
