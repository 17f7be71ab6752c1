using System.Buffers.Binary;
using System.Text;
using Noether.Tensors;

namespace Noether.IO.Tests.Fuzz;

/// <summary>
/// Format-agnostic, seeded mutations of a file image: bit flips, byte overwrites, truncation, extension, deleted and
/// duplicated spans, "interesting" integers written as little-endian fields and as protobuf varints (length fields,
/// dims), and — in text regions such as JSON or .npy headers — numbers and type names swapped for hostile ones.
/// Every format's target (<see cref="FuzzTargets"/>) uses this engine, optionally with a structure-aware mutator of
/// its own; a new reader (the torch <c>.pt</c> reader) only needs a target.
/// </summary>
public static class Mutator
{
    /// <summary>Integers that break size arithmetic: zero, ±1, sign and width boundaries, 2³² + 3, 2⁶².</summary>
    public static readonly long[] InterestingIntegers =
    [
        0, 1, -1, 2, 3, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x10000, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue,
        (1L << 32) + 3, 1L << 40, 1L << 53, 1L << 62, long.MaxValue, long.MinValue, -2, int.MinValue,
    ];

    /// <summary>Tokens spliced into text: hostile numbers, nulls and values of the wrong JSON type.</summary>
    public static readonly string[] InterestingTokens =
    [
        "0", "-1", "1", "2", "1.5", "-0", "1e400", "-1e400", "NaN", "4294967299", "2147483648", "9223372036854775807",
        "18446744073709551616", "99999999999999999999", "null", "true", "\"x\"", "\"\"", "[]", "{}", "[null]", "[1,2]", "{\"a\":1}",
    ];

    /// <summary>Type names of the formats under test, swapped for one another (a type swap).</summary>
    public static readonly string[] TypeNames =
    [
        "F64", "F32", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F8_E4M3", "F128", "<f8", "<f4", "<f2", ">f4", "<i8", "|b1", "|u1", "|O", "<c8",
        "Linear", "Conv2d", "MaxPool2d", "Activation", "Flatten", "Reshape", "Pad", "Expand", "Gather", "Frobnicate",
    ];

    /// <summary>One to three random mutations of <paramref name="image"/> (a new array).</summary>
    public static byte[] Mutate(byte[] image, Rng rng)
    {
        var bytes = image;
        int steps = 1 + rng.NextInt(3);
        for (int s = 0; s < steps; s++) bytes = MutateOnce(bytes, rng);
        return bytes;
    }

    private static byte[] MutateOnce(byte[] src, Rng rng)
    {
        var b = (byte[])src.Clone();
        if (b.Length == 0) return [(byte)rng.NextUInt64()];
        switch (rng.NextInt(12))
        {
            case 0: // bit flips
                for (int i = 1 + rng.NextInt(4); i > 0; i--) b[rng.NextInt(b.Length)] ^= (byte)(1 << rng.NextInt(8));
                return b;
            case 1: // random bytes
                for (int i = 1 + rng.NextInt(4); i > 0; i--) b[rng.NextInt(b.Length)] = (byte)rng.NextUInt64();
                return b;
            case 2: // truncation
                return b[..rng.NextInt(b.Length)];
            case 3: // extension
                return [.. b, .. Enumerable.Range(0, 1 + rng.NextInt(32)).Select(_ => (byte)rng.NextUInt64())];
            case 4: // delete a span
            {
                int at = rng.NextInt(b.Length), n = Math.Min(b.Length - at, 1 + rng.NextInt(16));
                return [.. b[..at], .. b[(at + n)..]];
            }
            case 5: // duplicate a span
            {
                int at = rng.NextInt(b.Length), n = Math.Min(b.Length - at, 1 + rng.NextInt(64)), to = rng.NextInt(b.Length + 1);
                return [.. b[..to], .. b.AsSpan(at, n).ToArray(), .. b[to..]];
            }
            case 6: // an interesting integer as a little-endian field (length prefixes, offsets)
            {
                int width = new[] { 1, 2, 4, 8 }[rng.NextInt(4)];
                if (b.Length < width) return b;
                int at = rng.NextInt(b.Length - width + 1);
                long v = InterestingIntegers[rng.NextInt(InterestingIntegers.Length)];
                Span<byte> le = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(le, v);
                le[..width].CopyTo(b.AsSpan(at));
                return b;
            }
            case 7: // an interesting integer as a protobuf varint (dims, attribute ints, length-delimited sizes)
            {
                int at = rng.NextInt(b.Length), old = VarintLength(b, at);
                var varint = Varint(InterestingIntegers[rng.NextInt(InterestingIntegers.Length)]);
                return [.. b[..at], .. varint, .. b[Math.Min(b.Length, at + old)..]];
            }
            case 8: case 9: // replace a number in a text region
                return ReplaceToken(b, rng, IsNumberByte, InterestingTokens);
            case 10: // swap a type name
                return ReplaceToken(b, rng, IsWordByte, TypeNames);
            default: // splice a token anywhere
            {
                var token = Encoding.ASCII.GetBytes(InterestingTokens[rng.NextInt(InterestingTokens.Length)]);
                int at = rng.NextInt(b.Length + 1);
                return [.. b[..at], .. token, .. b[at..]];
            }
        }
    }

    /// <summary>The protobuf varint encoding of a value (negative values take ten bytes, as int64 fields do).</summary>
    public static byte[] Varint(long value)
    {
        var list = new List<byte>();
        ulong v = unchecked((ulong)value);
        do { byte next = (byte)(v & 0x7F); v >>= 7; list.Add(v != 0 ? (byte)(next | 0x80) : next); } while (v != 0);
        return list.ToArray();
    }

    private static int VarintLength(byte[] b, int at)
    {
        int n = 0;
        while (at + n < b.Length && n < 10 && (b[at + n] & 0x80) != 0) n++;
        return Math.Min(n + 1, b.Length - at);
    }

    private static bool IsNumberByte(byte c) => c is >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'e';

    private static bool IsWordByte(byte c) => c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'<' or (byte)'|' or (byte)'>';

    /// <summary>Replaces one maximal run of bytes in a class (a number, a word) with a replacement; unchanged when there is none.</summary>
    private static byte[] ReplaceToken(byte[] b, Rng rng, Func<byte, bool> inToken, string[] replacements)
    {
        // Sample a few positions rather than scanning the whole image: binary files are large.
        for (int attempt = 0; attempt < 16; attempt++)
        {
            int at = rng.NextInt(b.Length);
            if (!inToken(b[at])) continue;
            int start = at, end = at;
            while (start > 0 && inToken(b[start - 1])) start--;
            while (end < b.Length && inToken(b[end])) end++;
            var token = Encoding.ASCII.GetBytes(replacements[rng.NextInt(replacements.Length)]);
            return [.. b[..start], .. token, .. b[end..]];
        }
        return b;
    }
}
