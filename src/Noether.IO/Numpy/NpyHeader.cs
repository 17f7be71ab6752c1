using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using static Noether.IO.NpyErrorKind;

namespace Noether.IO;

/// <summary>
/// The header of a .npy file: magic "\x93NUMPY", version (1.0: u16 header length, latin-1; 2.0: u32, latin-1;
/// 3.0: u32, UTF-8), then a Python dict literal {'descr': .., 'fortran_order': .., 'shape': (..)} padded with
/// spaces and a newline so that the data starts at a multiple of 64 bytes.
/// </summary>
internal sealed record NpyHeader(NpyDescr Descr, bool FortranOrder, int[] Shape, long ElementCount, (int Major, int Minor) Version)
{
    /// <summary>Largest header accepted.</summary>
    public const int MaxHeaderLength = 1 << 20;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Reads and validates the prefix and header, leaving the stream at the first data byte.</summary>
    public static NpyHeader Read(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (!prefix[..Math.Min(got, 6)].SequenceEqual(Magic[..Math.Min(got, 6)]))
            throw new NpyFormatException(BadMagic, source, $"does not start with the .npy magic \\x93NUMPY (found {Convert.ToHexString(prefix[..Math.Min(got, 6)])})");
        if (got < 8) throw new NpyFormatException(Truncated, source, $"ends after {got} bytes, inside the 8-byte magic and version");
        var version = ((int)prefix[6], (int)prefix[7]);
        if (version is not ((1, 0) or (2, 0) or (3, 0)))
            throw new NpyFormatException(UnsupportedVersion, source, $"format version {version.Item1}.{version.Item2} is not 1.0, 2.0 or 3.0");

        int lengthSize = version.Item1 == 1 ? 2 : 4;
        Span<byte> lengthBytes = stackalloc byte[4];
        if (stream.ReadAtLeast(lengthBytes[..lengthSize], lengthSize, throwOnEndOfStream: false) < lengthSize)
            throw new NpyFormatException(Truncated, source, "ends inside the header length");
        long headerLength = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
            throw new NpyFormatException(HeaderTooLarge, source, $"header length {headerLength} exceeds the {MaxHeaderLength}-byte cap");
        var headerBytes = new byte[headerLength];
        int read = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (read < headerBytes.Length)
            throw new NpyFormatException(Truncated, source, $"header length is {headerLength} but only {read} header bytes follow");

        string text;
        if (version.Item1 == 3)
        {
            try { text = StrictUtf8.GetString(headerBytes); }
            catch (DecoderFallbackException e) { throw new NpyFormatException(InvalidHeaderEncoding, source, "version 3.0 header is not valid UTF-8", e); }
        }
        else text = Latin1.GetString(headerBytes);
        return Interpret(text, version, source);
    }

    private static NpyHeader Interpret(string text, (int, int) version, string source)
    {
        object literal;
        try { literal = PyLiteral.Parse(text); }
        catch (FormatException e) { throw new NpyFormatException(InvalidHeaderSyntax, source, $"header is not a Python literal: {e.Message}", e); }
        if (literal is not PyLiteral.PyDict dict)
            throw new NpyFormatException(NotADictionary, source, $"header is not a dictionary: {PyLiteral.Quote(text)}");

        object? descr = null, fortran = null, shape = null;
        foreach (var (key, value) in dict.Items)
        {
            ref object? slot = ref descr;
            switch (key)
            {
                case "descr": slot = ref descr; break;
                case "fortran_order": slot = ref fortran; break;
                case "shape": slot = ref shape; break;
                default: throw new NpyFormatException(UnexpectedKey, source, $"header has the unexpected key {Show(key)} (expected exactly 'descr', 'fortran_order', 'shape')");
            }
            if (slot is not null) throw new NpyFormatException(DuplicateKey, source, $"header has the key '{key}' twice");
            slot = value;
        }
        if (descr is null) throw new NpyFormatException(MissingKey, source, $"header has no 'descr': {PyLiteral.Quote(text)}");
        if (fortran is null) throw new NpyFormatException(MissingKey, source, $"header has no 'fortran_order': {PyLiteral.Quote(text)}");
        if (shape is null) throw new NpyFormatException(MissingKey, source, $"header has no 'shape': {PyLiteral.Quote(text)}");

        var parsedDescr = descr switch
        {
            string s => NpyDescr.TryParse(s) ?? throw new NpyFormatException(UnsupportedDtype, source,
                s.Contains('O') ? $"dtype '{s}' holds Python objects (pickles), which are never loaded" : $"dtype '{s}' is not supported (supported: bool, int8-64, uint8-64, float16/32/64, either byte order)"),
            PyLiteral.PyList => throw new NpyFormatException(UnsupportedDtype, source, $"structured dtypes are not supported: {PyLiteral.Quote(text)}"),
            _ => throw new NpyFormatException(WrongValueType, source, $"'descr' must be a string, found {Show(descr)}"),
        };
        if (fortran is not bool fortranOrder)
            throw new NpyFormatException(WrongValueType, source, $"'fortran_order' must be True or False, found {Show(fortran)}");
        if (shape is not PyLiteral.PyTuple tuple || tuple.Items.Any(d => d is not BigInteger))
            throw new NpyFormatException(WrongValueType, source, $"'shape' must be a tuple of integers, found {Show(shape)}");

        var dims = new int[tuple.Items.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            var d = (BigInteger)tuple.Items[i];
            if (d.Sign < 0) throw new NpyFormatException(NegativeDimension, source, $"shape {Show(shape)} has the negative dimension {d}");
            if (d > int.MaxValue) throw new NpyFormatException(DimensionTooLarge, source, $"shape {Show(shape)} has dimension {d}, above {int.MaxValue}");
            dims[i] = (int)d;
        }
        long count = 1;
        if (!dims.Contains(0))
        {
            foreach (var d in dims)
            {
                count *= d;
                if (count > Array.MaxLength)
                    throw new NpyFormatException(TooManyElements, source, $"shape {Show(shape)} has more than {Array.MaxLength} elements, more than a tensor can hold");
            }
        }
        else count = 0;
        return new NpyHeader(parsedDescr, fortranOrder, dims, count, version);
    }

    /// <summary>The prefix and header NumPy writes for a C-order little-endian array (version 1.0, or 2.0 if too long).</summary>
    public static byte[] Build(string descr, int[] shape)
    {
        var sb = new StringBuilder();
        sb.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ").Append(TupleRepr(shape)).Append(", }");
        // NumPy leaves room for the growth axis (the first, in C order) to reach 21 digits.
        if (shape.Length > 0) sb.Append(' ', 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length);
        var header = Latin1.GetBytes(sb.ToString());
        int hlen = header.Length + 1; // + '\n'
        foreach (var (major, lengthSize) in new[] { (1, 2), (2, 4) })
        {
            int pad = 64 - (6 + 2 + lengthSize + hlen) % 64;
            long total = (long)hlen + pad;
            if (lengthSize == 2 && total > ushort.MaxValue) continue;
            var result = new byte[6 + 2 + lengthSize + total];
            Magic.CopyTo(result);
            result[6] = (byte)major;
            result[7] = 0;
            if (lengthSize == 2) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)total);
            else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)total);
            header.CopyTo(result, 8 + lengthSize);
            result.AsSpan(8 + lengthSize + header.Length, pad).Fill((byte)' ');
            result[^1] = (byte)'\n';
            return result;
        }
        throw new UnreachableException();
    }

    private static string TupleRepr(int[] shape) => shape.Length switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };

    private static string Show(object? value) => value switch
    {
        null => "nothing",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        BigInteger i => i.ToString(CultureInfo.InvariantCulture),
        double d => double.IsInteger(d) ? d.ToString("F1", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
        PyLiteral.PyNone => "None",
        PyLiteral.PyTuple t => "(" + string.Join(", ", t.Items.Select(Show)) + (t.Items.Count == 1 ? ",)" : ")"),
        PyLiteral.PyList l => "[" + string.Join(", ", l.Items.Select(Show)) + "]",
        PyLiteral.PyDict => "a dictionary",
        _ => value.ToString() ?? "?",
    };
}
