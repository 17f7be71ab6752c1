using Noether.IO.Internal;

namespace Noether.IO;

/// <summary>
/// A NumPy dtype descriptor string such as "&lt;f4", "&gt;f8", "|u1" or "|b1": byte order ('&lt;' little, '&gt;' big,
/// '|' not applicable, '=' native, which is little on every supported machine), kind and size.
/// </summary>
internal readonly record struct NpyDescr(ElementKind Kind, bool BigEndian)
{
    /// <summary>Parses a descriptor; null when the dtype is not a supported numeric type.</summary>
    public static NpyDescr? TryParse(string descr)
    {
        var s = descr.AsSpan();
        bool big = false;
        if (s.Length > 0 && s[0] is '<' or '>' or '|' or '=')
        {
            big = s[0] == '>';
            s = s[1..];
        }
        ElementKind? kind = s switch
        {
            "b1" or "?" => ElementKind.Bool,
            "u1" or "B" => ElementKind.U8,
            "i1" or "b" => ElementKind.I8,
            "u2" => ElementKind.U16,
            "i2" => ElementKind.I16,
            "u4" => ElementKind.U32,
            "i4" => ElementKind.I32,
            "u8" => ElementKind.U64,
            "i8" => ElementKind.I64,
            "f2" or "e" => ElementKind.F16,
            "f4" or "f" => ElementKind.F32,
            "f8" or "d" => ElementKind.F64,
            _ => null,
        };
        return kind is { } k ? new NpyDescr(k, big && k.Size() > 1) : null;
    }

    /// <summary>The little-endian descriptor NumPy writes for a float kind.</summary>
    public static string LittleEndianFloat(ElementKind kind) => kind switch
    {
        ElementKind.F16 => "<f2",
        ElementKind.F32 => "<f4",
        ElementKind.F64 => "<f8",
        _ => throw new NotSupportedException($"No .npy descriptor is written for {kind}"),
    };
}
