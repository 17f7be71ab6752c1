using System.Buffers;
using System.Numerics;
using Noether.IO.Internal;
using Noether.Tensors;
using static Noether.IO.NpyErrorKind;

namespace Noether.IO;

/// <summary>
/// NumPy .npy files. Reading accepts format versions 1.0, 2.0 and 3.0, C and Fortran order, either byte order, and
/// the dtypes bool, int8-64, uint8-64 and float16/32/64, converting to float, double or Half
/// tensors in C order. Writing produces the bytes NumPy's <c>np.save</c> produces for a little-endian,
/// C-order float array (version 1.0).
/// </summary>
public static class Npy
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Reads a .npy file; throws <see cref="NpyFormatException"/> if it is malformed or unsupported.</summary>
    public static Tensor<T> Read<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read<T>(stream, path);
    }

    /// <summary>
    /// Reads one array from a stream positioned at its magic and checks that nothing follows it.
    /// <paramref name="source"/> names the stream in error messages.
    /// </summary>
    public static Tensor<T> Read<T>(Stream stream, string source) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        var header = NpyHeader.Read(stream, source);
        var data = ReadElements<T>(stream, header, source);
        if (stream.ReadByte() >= 0)
            throw new NpyFormatException(TrailingData, source, $"bytes follow the {header.ElementCount} elements of shape {Format(header.Shape)}");
        if (!header.FortranOrder || header.Shape.Length < 2 || data.Length == 0) return new Tensor<T>(data, header.Shape);
        // Fortran order: the data is the C-order array of the reversed shape; reverse the axes back.
        var reversed = header.Shape.Reverse().ToArray();
        var axes = Enumerable.Range(0, reversed.Length).Reverse().ToArray();
        return new Tensor<T>(data, reversed).Permute(axes).Contiguous();
    }

    /// <summary>Writes a float, double or Half tensor atomically (temporary file in the same directory, then rename).</summary>
    public static void Write<T>(string path, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ElementTypes.RequireKindOf<T>("Npy.Write"); // fail before touching the disk
        AtomicFile.Write(path, stream => Write(stream, tensor));
    }

    /// <summary>Writes a float, double or Half tensor to a stream: little-endian, C order, version 1.0 (2.0 if the header needs it).</summary>
    public static void Write<T>(Stream stream, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        var kind = ElementTypes.RequireKindOf<T>("Npy.Write");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Writing .npy needs a little-endian machine");
        stream.Write(NpyHeader.Build(NpyDescr.LittleEndianFloat(kind), tensor.ShapeArray()));
        SafetensorsTensor.WriteElements(stream, tensor);
    }

    /// <summary>
    /// Reads and converts the elements in chunks. Memory grows with the data actually present, so a header that
    /// claims a huge shape over a short (or non-seekable) stream cannot force a huge allocation.
    /// </summary>
    private static T[] ReadElements<T>(Stream stream, NpyHeader header, string source) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = (int)header.ElementCount, size = header.Descr.Kind.Size();
        long needed = (long)count * size;
        if (stream.CanSeek && stream.Length - stream.Position < needed)
            throw new NpyFormatException(Truncated, source, $"shape {Format(header.Shape)} needs {needed} data bytes but only {stream.Length - stream.Position} follow the header");
        var result = new T[stream.CanSeek ? count : Math.Min(count, ChunkBytes)];
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int done = 0, perChunk = ChunkBytes / size;
            while (done < count)
            {
                int n = Math.Min(perChunk, count - done), bytes = n * size;
                int got = stream.ReadAtLeast(buffer.AsSpan(0, bytes), bytes, throwOnEndOfStream: false);
                if (got < bytes)
                    throw new NpyFormatException(Truncated, source, $"shape {Format(header.Shape)} needs {needed} data bytes but the data ends after {(long)done * size + got}");
                if (result.Length < done + n) Array.Resize(ref result, (int)Math.Min(count, Math.Max(2L * result.Length, done + n)));
                ElementConverter.Decode(header.Descr.Kind, header.Descr.BigEndian, buffer.AsSpan(0, bytes), result.AsSpan(done, n));
                done += n;
            }
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static string Format(int[] shape) => "(" + string.Join(", ", shape) + (shape.Length == 1 ? ",)" : ")");
}
