using System.Numerics;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// A safetensors file opened for reading. The header is parsed and fully validated on <see cref="Open"/>; the data
/// is memory-mapped, so opening a multi-gigabyte file costs only the header and tensors are paged in on demand.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> <see cref="Read{T}"/> returns independent copies. <see cref="ReadView{T}"/> returns tensors
/// whose storage lies in the mapping itself: each such view keeps the mapping alive, so it stays valid after this
/// object is disposed. <see cref="Dispose"/> unmaps the file at once when no view was handed out; otherwise the
/// mapping is released by the garbage collector once this object and every view are unreachable.
/// Spans taken from a view (and <see cref="RawBytes"/>) do not keep anything alive: use them only while the view
/// (respectively this object) is alive and not disposed.</para>
/// <para><b>Writes.</b> The file is opened read-only and mapped copy-on-write: writing into a view changes only
/// this process's copy (and is visible to other views of the same file object), never the file on disk.</para>
/// <para><b>Threads.</b> Reading is thread-safe; disposing while another thread reads is not.</para>
/// <para><b>Changing the file.</b> Replacing the file by rename (as <see cref="SafetensorsWriter"/> does) is safe: the
/// mapping keeps the old contents. Truncating or rewriting it in place while it is open is not: touching pages
/// beyond the new end kills the process (SIGBUS), as with any memory-mapped file.</para>
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private const int DecodeChunk = 1 << 20;
    private readonly MappedRegion _region;
    private readonly SafetensorsHeader _header;
    private int _disposed;

    private SafetensorsFile(string path, MappedRegion region, SafetensorsHeader header)
    {
        Path = path;
        _region = region;
        _header = header;
    }

    /// <summary>Opens, maps and validates a file; throws <see cref="SafetensorsFormatException"/> if it is malformed.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        try
        {
            long length = stream.Length;
            Span<byte> prefix = stackalloc byte[8];
            if (length >= 8) stream.ReadExactly(prefix);
            long n = SafetensorsHeader.ReadHeaderLength(path, prefix, length);
            var headerBytes = new byte[n];
            stream.ReadExactly(headerBytes);
            var header = SafetensorsHeader.Parse(path, headerBytes, length - 8 - n);
            return new SafetensorsFile(path, MappedRegion.Map(stream), header);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength => _region.Length;

    /// <summary>Length N of the JSON header (the data buffer starts at byte 8 + N).</summary>
    public long HeaderLength => _header.HeaderLength;

    /// <summary>Every tensor entry, in data-offset order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries => _header.Entries;

    /// <summary>The "__metadata__" map in file order, or null when the header has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata => _header.Metadata;

    /// <summary>True when a tensor of this name exists.</summary>
    public bool Contains(string name) => _header.ByName.ContainsKey(name);

    /// <summary>The entry of a tensor; throws <see cref="KeyNotFoundException"/> naming the file when absent.</summary>
    public SafetensorsEntry GetEntry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_header.ByName.TryGetValue(name, out var entry)) return entry;
        var some = string.Join(", ", _header.Entries.Take(8).Select(e => $"'{e.Name}'"));
        throw new KeyNotFoundException($"{Path}: no tensor named '{name}' among its {_header.Entries.Length} tensors ({some}{(_header.Entries.Length > 8 ? ", ..." : "")})");
    }

    /// <summary>
    /// Reads a tensor into new memory as <typeparamref name="T"/>, converting from any stored dtype
    /// (floats are rounded to nearest, integers converted by value, BOOL to 0 or 1).
    /// </summary>
    public Tensor<T> Read<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfDisposed();
        var entry = GetEntry(name);
        int count = ElementCountForTensor(entry, "Read");
        var result = new T[count];
        var kind = entry.Dtype.ToElementKind();
        int size = kind.Size();
        byte* start = DataPointer(entry);
        for (int done = 0; done < count; done += DecodeChunk)
        {
            int n = Math.Min(DecodeChunk, count - done);
            ElementConverter.Decode(kind, false, new ReadOnlySpan<byte>(start + (long)done * size, n * size), result.AsSpan(done, n));
        }
        // The values are copied out: their pages need not stay resident (a 7B checkpoint streamed through the mapping).
        _region.Release(_header.DataStart + entry.DataBegin, entry.ByteLength);
        return new Tensor<T>(result, entry.ShapeArray());
    }

    /// <summary>
    /// A zero-copy tensor whose storage is the mapped file (see the lifetime remarks on this class). The stored
    /// dtype must be exactly <typeparamref name="T"/> (F32 for float, F64 for double, F16 for Half); use
    /// <see cref="Read{T}"/> to convert.
    /// </summary>
    public Tensor<T> ReadView<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfDisposed();
        var entry = GetEntry(name);
        var wanted = SafetensorsDtypes.FromElementKind(ElementTypes.RequireKindOf<T>("ReadView"));
        if (entry.Dtype != wanted)
            throw new InvalidOperationException($"{Path}: tensor '{name}' is stored as {entry.Dtype.ToHeaderName()} with shape {SafetensorsHeader.Format(entry.ShapeArray())}; ReadView<{typeof(T).Name}> needs {wanted.ToHeaderName()}. Use Read<{typeof(T).Name}> to convert.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Zero-copy views of little-endian safetensors data need a little-endian machine");
        int count = ElementCountForTensor(entry, "ReadView");
        var manager = new MappedMemoryManager<T>(_region, _header.DataStart + entry.DataBegin, count);
        return new Tensor<T>(manager.Memory, entry.ShapeArray());
    }

    /// <summary>The stored bytes of a tensor, valid until this object is disposed.</summary>
    public ReadOnlySpan<byte> RawBytes(string name)
    {
        ThrowIfDisposed();
        var entry = GetEntry(name);
        if (entry.ByteLength > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{name}' has {entry.ByteLength} bytes, more than one span can hold; use Read or ReadView");
        return new ReadOnlySpan<byte>(DataPointer(entry), (int)entry.ByteLength);
    }

    /// <summary>
    /// Loads every tensor into memory, ready for <see cref="SafetensorsWriter"/>: F32 and F64 as float and double
    /// tensors, every other dtype as a copy of its raw bytes (so writing them back is lossless).
    /// </summary>
    public IReadOnlyList<SafetensorsTensor> LoadAll()
    {
        ThrowIfDisposed();
        return _header.Entries.Select(e => e.Dtype switch
        {
            SafetensorsDtype.F32 => SafetensorsTensor.From(e.Name, Read<float>(e.Name)),
            SafetensorsDtype.F64 => SafetensorsTensor.From(e.Name, Read<double>(e.Name)),
            _ => SafetensorsTensor.Raw(e.Name, e.Dtype, e.ShapeArray(), RawBytes(e.Name).ToArray()),
        }).ToArray();
    }

    /// <summary>Closes the file: unmaps it now, or, if zero-copy views were handed out, once they are all unreachable.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _region.Close();
    }

    private byte* DataPointer(SafetensorsEntry entry) => _region.Pointer + _header.DataStart + entry.DataBegin;

    private int ElementCountForTensor(SafetensorsEntry entry, string operation)
    {
        if (entry.ElementCount > Array.MaxLength)
            throw new NotSupportedException($"{Path}: {operation}: tensor '{entry.Name}' with shape {SafetensorsHeader.Format(entry.ShapeArray())} has {entry.ElementCount} elements, more than a tensor can hold ({Array.MaxLength})");
        return (int)entry.ElementCount;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
