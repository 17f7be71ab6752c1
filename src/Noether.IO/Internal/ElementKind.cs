namespace Noether.IO.Internal;

/// <summary>Storage element types that the readers can decode, independent of any file format's spelling.</summary>
internal enum ElementKind
{
    Bool,
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F16,
    BF16,
    F32,
    F64,
    /// <summary>8-bit float, 4 exponent bits (bias 7), 3 mantissa bits, no infinities, NaN = S.1111.111 ("E4M3FN").</summary>
    F8E4M3,
    /// <summary>8-bit float, 5 exponent bits (bias 15), 2 mantissa bits: the top byte of an IEEE half.</summary>
    F8E5M2,
}

internal static class ElementKinds
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this ElementKind kind) => kind switch
    {
        ElementKind.Bool or ElementKind.U8 or ElementKind.I8 or ElementKind.F8E4M3 or ElementKind.F8E5M2 => 1,
        ElementKind.U16 or ElementKind.I16 or ElementKind.F16 or ElementKind.BF16 => 2,
        ElementKind.U32 or ElementKind.I32 or ElementKind.F32 => 4,
        ElementKind.U64 or ElementKind.I64 or ElementKind.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown element kind"),
    };
}
