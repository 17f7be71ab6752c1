using System.Buffers.Binary;
using System.IO.Compression;

namespace Noether.Nn.Data;

/// <summary>Reads IDX files (the MNIST family's format: magic, big-endian dimensions, unsigned bytes), gzip or plain.</summary>
public static class Idx
{
    /// <summary>Reads an unsigned-byte IDX file; returns its dimensions and data. Validates every size against the file.</summary>
    public static (int[] Dims, byte[] Data) ReadBytes(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4];
        ReadExactly(s, header, path, "magic number");
        if (header[0] != 0 || header[1] != 0) throw new InvalidDataException($"{path}: not an IDX file (magic {Convert.ToHexString(header)})");
        if (header[2] != 0x08) throw new InvalidDataException($"{path}: IDX element type 0x{header[2]:X2} is not unsigned byte (0x08)");
        int rank = header[3];
        if (rank is < 1 or > 4) throw new InvalidDataException($"{path}: IDX rank {rank} outside 1..4");
        var dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(s, header, path, $"dimension {i}");
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (d > int.MaxValue) throw new InvalidDataException($"{path}: dimension {i} = {d} is too large");
            dims[i] = (int)d;
            total = checked(total * d);
            if (total > Array.MaxLength) throw new InvalidDataException($"{path}: {total} elements exceed the supported size");
        }
        var data = new byte[total];
        ReadExactly(s, data, path, "data");
        return (dims, data);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path, string what)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = s.Read(buffer[read..]);
            if (n == 0) throw new InvalidDataException($"{path}: file ends inside the {what} (read {read} of {buffer.Length} bytes)");
            read += n;
        }
    }
}
