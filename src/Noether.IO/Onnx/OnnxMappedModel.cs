using Noether.IO.Internal;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// An .onnx file memory-mapped and parsed without its weights: the protobuf is walked at the wire level and the
/// raw data of the main graph's initializers is left in the mapping, where <see cref="Values"/> decodes it on
/// demand (pages dropped from the resident set after each read). The parsed <see cref="Structure"/> is the file's
/// model minus those bytes, so an import holds the graph and one weight at a time, not a second copy of the file.
/// </summary>
internal sealed unsafe class OnnxMappedModel : IDisposable
{
    /// <summary>
    /// Raw data of at least this many bytes stays in the mapping: all of it, so every weight an exporter writes as
    /// raw data (PyTorch writes all of them so) can be traced and written in place, small biases included.
    /// </summary>
    public const int MinStoredBytes = 1;

    private readonly MappedRegion _region;

    private OnnxMappedModel(string path, MappedRegion region, ModelProto structure, IReadOnlyList<StoredTensor> stored)
    {
        Path = path;
        _region = region;
        Structure = structure;
        Stored = stored;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The model with the stored tensors' raw data left out (their dims, type and name kept).</summary>
    public ModelProto Structure { get; }

    /// <summary>The main graph's initializers whose raw data stays in the file, in file order.</summary>
    public IReadOnlyList<StoredTensor> Stored { get; }

    /// <summary>Length of the file in bytes.</summary>
    public long Length => _region.Length;

    /// <summary>
    /// Maps and walks <paramref name="path"/>; null when the file keeps no initializer data this way (nothing to gain)
    /// or uses external data. Malformed files throw <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static OnnxMappedModel? Open(string path, long maxBytes = OnnxFile.DefaultMaxBytes)
    {
        if (!File.Exists(path)) return null;
        long length = new FileInfo(path).Length;
        if (length == 0 || length > maxBytes || length > int.MaxValue) return null;
        var region = MappedRegion.Map(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read));
        try
        {
            var spans = new List<(long Offset, int Length)>();
            var bytes = new ReadOnlySpan<byte>(region.Pointer, (int)region.Length);
            byte[] stripped;
            try { stripped = WireWalker.Strip(bytes, spans); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a valid ONNX model ({e.Message})", e); }
            ModelProto structure;
            try { structure = ModelProto.Parser.ParseFrom(stripped); }
            catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new InvalidDataException($"{path}: not a valid ONNX model ({e.Message})", e); }
            var initializers = structure.Graph?.Initializer ?? [];
            if (initializers.Count != spans.Count) throw new InvalidDataException($"{path}: the initializers could not be walked");
            var stored = new List<StoredTensor>();
            for (int i = 0; i < spans.Count; i++)
                if (spans[i].Length > 0) stored.Add(new StoredTensor(initializers[i], spans[i].Offset, spans[i].Length));
            bool external = OnnxExternalData.Tensors(structure).Any(t => t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0);
            if (stored.Count == 0 || external) { region.Close(); return null; }
            return new OnnxMappedModel(path, region, structure, stored);
        }
        catch
        {
            region.Close();
            throw;
        }
    }

    /// <summary>The raw bytes of a stored tensor (valid until disposal).</summary>
    public ReadOnlySpan<byte> Bytes(StoredTensor t) => Bytes(t.Offset, t.Length);

    /// <summary>The file's bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) (valid until disposal).</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, _region.Length);
        return new(_region.Pointer + offset, length);
    }

    /// <summary>Drops a stored tensor's pages from the resident set after a read (they stay in the page cache).</summary>
    public void Release(StoredTensor t) => _region.Release(t.Offset, t.Length);

    /// <summary>Drops the pages of a byte range from the resident set after a read.</summary>
    public void Release(long offset, long length) => _region.Release(offset, length);

    /// <summary>Whether every element of a stored float tensor is finite (read a chunk at a time, pages dropped after).</summary>
    public bool AllFinite(StoredTensor t)
    {
        int size = RawElements.Size(t.Type), count = t.Length / size, chunk = (1 << 22) / size;
        for (int first = 0; first < count; first += chunk)
        {
            int n = Math.Min(chunk, count - first);
            var bytes = Bytes(t.Offset + (long)first * size, n * size);
            for (int i = 0; i < n; i++)
                if (!double.IsFinite(RawElements.Read(t.Type, bytes, i))) { Release(t); return false; }
            Release(t.Offset + (long)first * size, (long)n * size);
        }
        return true;
    }

    /// <summary>Element <paramref name="i"/> of a stored float tensor (float32, float64 or float16), read from the mapping.</summary>
    public double Element(StoredTensor t, int i) => RawElements.Read(t.Type, Bytes(t), i);

    /// <summary>
    /// The stored tensors as import values, by name: shapes validated now against <paramref name="maxTensorBytes"/>,
    /// values decoded from the mapping when first read (or by <paramref name="substitute"/> where it returns values:
    /// a provenance probe's markers).
    /// </summary>
    public IReadOnlyDictionary<string, OnnxTensor> Values(long maxTensorBytes, Func<StoredTensor, Tensor<float>?>? substitute = null)
    {
        var result = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (var t in Stored)
        {
            var (shape, count) = OnnxTensors.Layout(t.Proto, Path, maxTensorBytes);
            Tensor<double> Load()
            {
                GarbageBound.Check();
                return substitute?.Invoke(t) is { } s ? s.Cast<double>() : Decode(t, maxTensorBytes).Data;
            }
            Tensor<float>? LoadSingle()
            {
                GarbageBound.Check();
                return substitute?.Invoke(t) ?? DecodeSingle(t, shape, count);
            }
            bool single = t.Type == DataType.Float && t.Length == count * sizeof(float);
            result.TryAdd(t.Name, new OnnxTensor(t.Type, shape, Load, single || substitute is not null ? LoadSingle : null));
        }
        return result;
    }

    /// <summary>A float32 tensor's values copied out a chunk at a time, each chunk's pages dropped once copied.</summary>
    private Tensor<float>? DecodeSingle(StoredTensor t, int[] shape, long count)
    {
        if (t.Type != DataType.Float || t.Length != count * sizeof(float) || !BitConverter.IsLittleEndian) return null;
        var values = new float[count];
        var target = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        const int Chunk = 1 << 22;
        for (int at = 0; at < t.Length; at += Chunk)
        {
            int length = Math.Min(Chunk, t.Length - at);
            Bytes(t.Offset + at, length).CopyTo(target.Slice(at, length));
            Release(t.Offset + at, length);
        }
        return new Tensor<float>(values, shape);
    }

    /// <summary>Decodes a stored tensor from the mapping (float64), dropping its pages afterwards.</summary>
    public OnnxTensor Decode(StoredTensor t, long maxTensorBytes = OnnxImportOptions.DefaultMaxTensorBytes)
    {
        GarbageBound.Check();
        try { return OnnxTensors.Decode(t.Proto, Path, maxTensorBytes, Bytes(t), isRaw: true); }
        finally { Release(t); }
    }

    /// <inheritdoc />
    public void Dispose() => _region.Close();
}

/// <summary>An initializer whose raw data stays in the mapped file: its structure (no data) and where the bytes are.</summary>
internal sealed record StoredTensor(TensorProto Proto, long Offset, int Length)
{
    /// <summary>The initializer's name.</summary>
    public string Name => Proto.Name;

    /// <summary>The element type.</summary>
    public DataType Type => (DataType)Proto.DataType;
}
