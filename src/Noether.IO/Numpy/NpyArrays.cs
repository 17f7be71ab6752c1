using System.Buffers.Binary;
using Noether.IO.Internal;
using static Noether.IO.NpyErrorKind;

namespace Noether.IO;

/// <summary>
/// .npy files read and written with their element type kept (<see cref="TypedArray"/>): int64 token ids stay exact,
/// bool masks stay bool. Big-endian and Fortran-order files are converted to little-endian C order.
/// </summary>
public static class NpyArrays
{
    /// <summary>Reads a .npy file of any supported dtype; throws <see cref="NpyFormatException"/> naming the file.</summary>
    public static TypedArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Array file not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads one array from a stream positioned at its magic; nothing may follow it.</summary>
    public static TypedArray Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = NpyHeader.Read(stream, source);
        var type = ArrayElementTypes.FromKind(header.Descr.Kind)
            ?? throw new NpyFormatException(UnsupportedDtype, source, $"dtype {header.Descr.Kind} has no typed-array form");
        int size = type.Size();
        long needed = header.ElementCount * size;
        if (needed > Array.MaxLength) throw new NpyFormatException(TooManyElements, source, $"shape {Npy.Format(header.Shape)} needs {needed} bytes, more than one array holds");
        if (stream.CanSeek && stream.Length - stream.Position < needed)
            throw new NpyFormatException(Truncated, source, $"shape {Npy.Format(header.Shape)} needs {needed} data bytes but only {stream.Length - stream.Position} follow the header");
        var bytes = new byte[needed];
        int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (got < needed) throw new NpyFormatException(Truncated, source, $"shape {Npy.Format(header.Shape)} needs {needed} data bytes but the data ends after {got}");
        if (stream.ReadByte() >= 0)
            throw new NpyFormatException(TrailingData, source, $"bytes follow the {header.ElementCount} elements of shape {Npy.Format(header.Shape)}");
        if (header.Descr.BigEndian && size > 1) SwapBytes(bytes, size);
        if (header.FortranOrder && header.Shape.Length >= 2 && bytes.Length > 0) bytes = FortranToC(bytes, header.Shape, size);
        return new TypedArray(type, header.Shape, bytes);
    }

    /// <summary>Writes an array atomically as NumPy's <c>np.save</c> would (little-endian, C order).</summary>
    public static void Write(string path, TypedArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    /// <summary>Writes an array to a stream (version 1.0 header, 2.0 when it needs to be longer).</summary>
    public static void Write(Stream stream, TypedArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        stream.Write(NpyHeader.Build(array.ElementType.NpyDescr(), array.Shape));
        stream.Write(array.Bytes);
    }

    private static void SwapBytes(byte[] bytes, int size)
    {
        for (int i = 0; i < bytes.Length; i += size) bytes.AsSpan(i, size).Reverse();
    }

    /// <summary>Reorders column-major elements into row-major order.</summary>
    private static byte[] FortranToC(byte[] fortran, int[] shape, int size)
    {
        int rank = shape.Length;
        var fStride = new long[rank];
        fStride[0] = 1;
        for (int a = 1; a < rank; a++) fStride[a] = fStride[a - 1] * shape[a - 1];
        var c = new byte[fortran.Length];
        var index = new int[rank];
        long count = fortran.Length / size;
        for (long k = 0; k < count; k++)
        {
            long offset = 0;
            for (int a = 0; a < rank; a++) offset += index[a] * fStride[a];
            fortran.AsSpan((int)(offset * size), size).CopyTo(c.AsSpan((int)(k * size), size));
            for (int a = rank - 1; a >= 0 && ++index[a] == shape[a]; a--) index[a] = 0;
        }
        return c;
    }
}
