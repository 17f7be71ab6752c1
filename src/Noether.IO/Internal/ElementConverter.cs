using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Noether.IO.Internal;

/// <summary>
/// Decodes stored elements of any <see cref="ElementKind"/> (little- or big-endian) into float, double or Half.
/// Exact-type little-endian data is block-copied; everything else goes element by element through float or double.
/// </summary>
internal static class ElementConverter
{
    /// <summary>Decodes <paramref name="dst"/>.Length elements from <paramref name="src"/>.</summary>
    public static void Decode<T>(ElementKind kind, bool bigEndian, ReadOnlySpan<byte> src, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = kind.Size();
        if ((long)dst.Length * size != src.Length)
            throw new ArgumentException($"Decode: {src.Length} bytes do not hold {dst.Length} elements of {kind}");
        if (size == 1) bigEndian = false;
        if (!bigEndian && BitConverter.IsLittleEndian && ElementTypes.KindOf<T>() == kind)
        {
            src.CopyTo(MemoryMarshal.AsBytes(dst));
            return;
        }
        switch (kind)
        {
            case ElementKind.Bool: for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0 ? T.One : T.Zero; break;
            case ElementKind.U8: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(src[i]); break;
            case ElementKind.I8: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((sbyte)src[i]); break;
            case ElementKind.F8E4M3: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(DecodeE4M3(src[i])); break;
            case ElementKind.F8E5M2: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((float)BitConverter.UInt16BitsToHalf((ushort)(src[i] << 8))); break;
            case ElementKind.U16: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(U16(src, i, bigEndian)); break;
            case ElementKind.I16: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((short)U16(src, i, bigEndian)); break;
            case ElementKind.F16: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((float)BitConverter.UInt16BitsToHalf(U16(src, i, bigEndian))); break;
            case ElementKind.BF16: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(BitConverter.UInt32BitsToSingle((uint)U16(src, i, bigEndian) << 16)); break;
            case ElementKind.U32: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(U32(src, i, bigEndian)); break;
            case ElementKind.I32: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((int)U32(src, i, bigEndian)); break;
            case ElementKind.F32: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(BitConverter.UInt32BitsToSingle(U32(src, i, bigEndian))); break;
            case ElementKind.U64: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(U64(src, i, bigEndian)); break;
            case ElementKind.I64: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating((long)U64(src, i, bigEndian)); break;
            case ElementKind.F64: for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(BitConverter.UInt64BitsToDouble(U64(src, i, bigEndian))); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown element kind");
        }
    }

    private static ushort U16(ReadOnlySpan<byte> s, int i, bool big)
        => big ? BinaryPrimitives.ReadUInt16BigEndian(s.Slice(2 * i)) : BinaryPrimitives.ReadUInt16LittleEndian(s.Slice(2 * i));

    private static uint U32(ReadOnlySpan<byte> s, int i, bool big)
        => big ? BinaryPrimitives.ReadUInt32BigEndian(s.Slice(4 * i)) : BinaryPrimitives.ReadUInt32LittleEndian(s.Slice(4 * i));

    private static ulong U64(ReadOnlySpan<byte> s, int i, bool big)
        => big ? BinaryPrimitives.ReadUInt64BigEndian(s.Slice(8 * i)) : BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(8 * i));

    /// <summary>Decodes one float8 E4M3FN value (bias 7, subnormals, no infinities, NaN when all of exponent and mantissa are set).</summary>
    internal static float DecodeE4M3(byte b)
    {
        int sign = b >> 7, exp = (b >> 3) & 0xF, man = b & 0x7;
        float magnitude;
        if (exp == 0xF && man == 0x7) magnitude = float.NaN;
        else if (exp == 0) magnitude = man * (1f / 512f); // man/8 * 2^-6
        else magnitude = (1f + man / 8f) * MathF.Pow(2, exp - 7);
        return sign == 1 ? -magnitude : magnitude;
    }
}
