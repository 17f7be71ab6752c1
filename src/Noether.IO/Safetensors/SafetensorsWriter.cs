using System.Buffers.Binary;
using System.Numerics;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Writes safetensors files. With the default <see cref="SafetensorsLayout.Reference"/> layout the bytes equal
/// those of the reference implementation's serializer (metadata keys keep the order given, since the reference
/// stores them in a hash map and has no order of its own).
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes a file atomically: a temporary file in the same directory is written and flushed to disk, then
    /// renamed over <paramref name="path"/>, so readers never see a partial file and a failed write leaves the
    /// old file intact.
    /// </summary>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors,
        IEnumerable<KeyValuePair<string, string>>? metadata = null, SafetensorsLayout layout = SafetensorsLayout.Reference)
    {
        var (header, ordered) = Plan(tensors, metadata, layout);
        AtomicFile.Write(path, stream => WriteTo(stream, header, ordered));
    }

    /// <summary>Writes float, double or Half tensors by name, atomically (see the other overload).</summary>
    public static void Write<T>(string path, IEnumerable<KeyValuePair<string, Tensor<T>>> tensors,
        IEnumerable<KeyValuePair<string, string>>? metadata = null) where T : unmanaged, IFloatingPointIeee754<T>
        => Write(path, tensors.Select(kv => SafetensorsTensor.From(kv.Key, kv.Value)), metadata);

    /// <summary>Writes the file's bytes to a stream.</summary>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors,
        IEnumerable<KeyValuePair<string, string>>? metadata = null, SafetensorsLayout layout = SafetensorsLayout.Reference)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (header, ordered) = Plan(tensors, metadata, layout);
        WriteTo(stream, header, ordered);
    }

    /// <summary>The file's bytes in memory.</summary>
    public static byte[] Serialize(IEnumerable<SafetensorsTensor> tensors,
        IEnumerable<KeyValuePair<string, string>>? metadata = null, SafetensorsLayout layout = SafetensorsLayout.Reference)
    {
        var memory = new MemoryStream();
        Write(memory, tensors, metadata, layout);
        return memory.ToArray();
    }

    private static (byte[] Header, SafetensorsTensor[] Ordered) Plan(IEnumerable<SafetensorsTensor> tensors,
        IEnumerable<KeyValuePair<string, string>>? metadata, SafetensorsLayout layout)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in list)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"Two tensors are named '{t.Name}'", nameof(tensors));
        }
        KeyValuePair<string, string>[]? meta = metadata?.ToArray();
        if (meta is not null)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, v) in meta)
            {
                if (k is null || v is null) throw new ArgumentException("Metadata keys and values must not be null", nameof(metadata));
                if (!keys.Add(k)) throw new ArgumentException($"Metadata key '{k}' appears twice", nameof(metadata));
            }
        }
        var ordered = layout switch
        {
            SafetensorsLayout.Reference => list.OrderByDescending(t => t.Dtype).ThenBy(t => t.Name, Utf8Ordinal.Instance).ToArray(),
            SafetensorsLayout.AsGiven => list,
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown layout"),
        };
        var header = SafetensorsHeaderWriter.Build(ordered, meta);
        if (header.Length > SafetensorsHeader.MaxHeaderLength)
            throw new ArgumentException($"The header would be {header.Length} bytes, above the {SafetensorsHeader.MaxHeaderLength}-byte limit readers accept");
        return (header, ordered);
    }

    private static void WriteTo(Stream stream, byte[] header, SafetensorsTensor[] ordered)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var t in ordered) t.WriteData(stream);
    }

    /// <summary>Orders strings by their UTF-8 bytes, as the reference writer (Rust string order) does.</summary>
    private sealed class Utf8Ordinal : IComparer<string>
    {
        public static readonly Utf8Ordinal Instance = new();

        public int Compare(string? x, string? y)
        {
            // UTF-16 ordinal order equals UTF-8 byte order except that surrogates (U+D800..DFFF) sort
            // below U+E000..U+FFFF in UTF-16 but above them in UTF-8; compare code points instead.
            var a = (x ?? "").AsSpan();
            var b = (y ?? "").AsSpan();
            while (!a.IsEmpty && !b.IsEmpty)
            {
                System.Text.Rune.DecodeFromUtf16(a, out var ra, out int na);
                System.Text.Rune.DecodeFromUtf16(b, out var rb, out int nb);
                if (ra.Value != rb.Value) return ra.Value.CompareTo(rb.Value);
                a = a[na..];
                b = b[nb..];
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
