using Noether.IO.Internal;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO.HuggingFace;

/// <summary>
/// A Hugging Face checkpoint opened for reading its parameters one at a time as float32, for work that must not hold
/// the model (a provenance test of two 7B checkpoints). The config and every shard's header are checked on open, as by
/// <see cref="HuggingFaceCheckpoint.Load{T}"/>; each <see cref="Read"/> then reads that tensor's bytes with positioned
/// reads (not through the memory map, so pages already used do not stay in the process's resident set) and converts
/// them in chunks. Peak memory: the returned tensor plus one chunk.
/// </summary>
public sealed class CheckpointTensors : IDisposable
{
    private const int ChunkBytes = 8 << 20;
    private readonly HfCheckpoint _checkpoint;
    private readonly Dictionary<string, HfBinding> _bindings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle> _handles = new(StringComparer.Ordinal);

    internal CheckpointTensors(HfCheckpoint checkpoint, Graph graph, IEnumerable<HfBinding> bindings)
    {
        _checkpoint = checkpoint;
        Graph = graph;
        foreach (var b in bindings) _bindings.TryAdd(b.Parameter, b);
    }

    /// <summary>The folder.</summary>
    public string Folder => _checkpoint.Folder;

    /// <summary>The graph the config describes.</summary>
    public Graph Graph { get; }

    /// <summary>One parameter as a new float32 tensor (cut and transposed as the graph wants it).</summary>
    /// <exception cref="KeyNotFoundException">The graph has no such parameter.</exception>
    public Tensor<float> Read(string parameter)
    {
        if (!_bindings.TryGetValue(parameter, out var b)) throw new KeyNotFoundException($"{Folder}: the graph has no parameter '{parameter}'");
        var file = _checkpoint.FileOf(b.Tensor);
        var entry = file.GetEntry(b.Tensor);
        if (entry.ElementCount > Array.MaxLength) throw new NotSupportedException($"{file.Path}: tensor '{b.Tensor}' has {entry.ElementCount} elements, more than one array holds");
        var kind = entry.Dtype.ToElementKind();
        int size = kind.Size();
        var values = new float[entry.ElementCount];
        var handle = Handle(file.Path);
        var buffer = new byte[Math.Min(ChunkBytes, Math.Max(size, (int)Math.Min(int.MaxValue, entry.DataEnd - entry.DataBegin)))];
        int perChunk = buffer.Length / size;
        long start = 8 + file.HeaderLength + entry.DataBegin;
        for (long done = 0; done < values.Length; done += perChunk)
        {
            int n = (int)Math.Min(perChunk, values.Length - done);
            var bytes = buffer.AsSpan(0, n * size);
            int got = 0;
            while (got < bytes.Length)
            {
                int r = RandomAccess.Read(handle, bytes[got..], start + done * size + got);
                if (r == 0) throw new InvalidDataException(ModelFormatException.Escape($"{file.Path}: tensor '{b.Tensor}' ends early (the file is truncated)"));
                got += r;
            }
            ElementConverter.Decode(kind, false, (ReadOnlySpan<byte>)bytes, values.AsSpan((int)done, n));
        }
        var t = b.Extract(new Tensor<float>(values, entry.ShapeArray()));
        var expected = Graph.Parameters.First(p => p.Name == parameter).Shape;
        if (!Shapes.Equal(t.Shape, expected))
            throw new ShapeMismatchException($"{file.Path}: tensor '{b.Tensor}'", $"gives parameter '{parameter}' a shape other than the config's", t.ShapeArray(), expected);
        return t;
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle Handle(string path)
    {
        if (!_handles.TryGetValue(path, out var h)) _handles[path] = h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        return h;
    }

    /// <summary>Closes the shards.</summary>
    public void Dispose()
    {
        foreach (var h in _handles.Values) h.Dispose();
        _handles.Clear();
        _checkpoint.Dispose();
    }
}
