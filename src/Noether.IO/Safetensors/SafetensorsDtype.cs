using Noether.IO.Internal;

namespace Noether.IO;

/// <summary>
/// Element types of safetensors files. The declaration order is the reference implementation's order of
/// increasing alignment; writers lay tensors out by this order descending, then by name.
/// </summary>
public enum SafetensorsDtype
{
    /// <summary>"BOOL": one byte, zero is false.</summary>
    Bool,
    /// <summary>"U8": unsigned byte.</summary>
    U8,
    /// <summary>"I8": signed byte.</summary>
    I8,
    /// <summary>"F8_E5M2": 8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,
    /// <summary>"F8_E4M3": 8-bit float, 4 exponent and 3 mantissa bits, no infinities.</summary>
    F8E4M3,
    /// <summary>"I16": signed 16-bit integer.</summary>
    I16,
    /// <summary>"U16": unsigned 16-bit integer.</summary>
    U16,
    /// <summary>"F16": IEEE half precision.</summary>
    F16,
    /// <summary>"BF16": bfloat16 (the top half of a float32).</summary>
    BF16,
    /// <summary>"I32": signed 32-bit integer.</summary>
    I32,
    /// <summary>"U32": unsigned 32-bit integer.</summary>
    U32,
    /// <summary>"F32": IEEE single precision.</summary>
    F32,
    /// <summary>"F64": IEEE double precision.</summary>
    F64,
    /// <summary>"I64": signed 64-bit integer.</summary>
    I64,
    /// <summary>"U64": unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Names, sizes and element kinds of <see cref="SafetensorsDtype"/> values.</summary>
public static class SafetensorsDtypes
{
    private static readonly string[] Names =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    /// <summary>The name used in file headers, e.g. "F32" or "F8_E4M3".</summary>
    public static string ToHeaderName(this SafetensorsDtype dtype) => Names[(int)Check(dtype)];

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafetensorsDtype dtype) => ToElementKind(dtype).Size();

    /// <summary>Parses a header name (case-sensitive, as the format requires).</summary>
    public static bool TryParse(string name, out SafetensorsDtype dtype)
    {
        int i = Array.IndexOf(Names, name);
        dtype = (SafetensorsDtype)Math.Max(i, 0);
        return i >= 0;
    }

    internal static ElementKind ToElementKind(this SafetensorsDtype dtype) => Check(dtype) switch
    {
        SafetensorsDtype.Bool => ElementKind.Bool,
        SafetensorsDtype.U8 => ElementKind.U8,
        SafetensorsDtype.I8 => ElementKind.I8,
        SafetensorsDtype.F8E5M2 => ElementKind.F8E5M2,
        SafetensorsDtype.F8E4M3 => ElementKind.F8E4M3,
        SafetensorsDtype.I16 => ElementKind.I16,
        SafetensorsDtype.U16 => ElementKind.U16,
        SafetensorsDtype.F16 => ElementKind.F16,
        SafetensorsDtype.BF16 => ElementKind.BF16,
        SafetensorsDtype.I32 => ElementKind.I32,
        SafetensorsDtype.U32 => ElementKind.U32,
        SafetensorsDtype.F32 => ElementKind.F32,
        SafetensorsDtype.F64 => ElementKind.F64,
        SafetensorsDtype.I64 => ElementKind.I64,
        _ => ElementKind.U64,
    };

    internal static SafetensorsDtype FromElementKind(ElementKind kind) => kind switch
    {
        ElementKind.F32 => SafetensorsDtype.F32,
        ElementKind.F64 => SafetensorsDtype.F64,
        ElementKind.F16 => SafetensorsDtype.F16,
        _ => throw new NotSupportedException($"No safetensors dtype is used for tensors of {kind}"),
    };

    private static SafetensorsDtype Check(SafetensorsDtype dtype)
        => (uint)dtype < (uint)Names.Length ? dtype : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype");
}
