using Google.Protobuf;
using Onnx;
using DataLocation = Onnx.TensorProto.Types.DataLocation;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// ONNX external data (models over 2 GiB keep tensors in files beside the .onnx): each tensor with
/// <c>data_location = EXTERNAL</c> names a <c>location</c> relative to the model's folder and an optional
/// <c>offset</c> and <c>length</c>. Reading copies those bytes into the tensor (so every later step sees ordinary
/// raw data), with the path confined to the folder (<see cref="ConfinedPath"/>), the range checked against the file
/// and the tensor's declared size, and the total read bounded by the data files' size (no region read twice over).
/// Writing moves the same tensors back out, into one data file beside the output.
/// </summary>
internal static class OnnxExternalData
{
    /// <summary>
    /// Replaces every external tensor's reference by its bytes; returns the positions (in <see cref="Tensors"/>
    /// order) of the tensors that were external (a write-back stores the weights externally when there were any).
    /// </summary>
    public static IReadOnlySet<int> Inline(ModelProto model, string modelPath)
    {
        var external = new HashSet<int>();
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var files = new Dictionary<string, FileStream>(StringComparer.Ordinal);
        long budget = 0, used = 0;
        try
        {
            int index = 0;
            foreach (var t in Tensors(model))
            {
                int k = index++;
                if (t.DataLocation != DataLocation.External && t.ExternalData.Count == 0) continue;
                external.Add(k);
                var (location, offset, length) = Entry(t, modelPath);
                var full = ConfinedPath.Resolve(folder, location, out var refusal)
                    ?? throw Bad(modelPath, t, $"names {refusal} ('{Printable(location)}'); external data must stay in the model's folder");
                if (!files.TryGetValue(full, out var stream))
                {
                    if (!File.Exists(full)) throw Bad(modelPath, t, $"keeps its external data in '{Printable(location)}', which does not exist beside the model");
                    stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                    files[full] = stream;
                    budget += stream.Length;
                }
                long expected = ExpectedBytes(t, modelPath);
                length ??= expected;
                if (length != expected)
                    throw Bad(modelPath, t, $"external length {length} differs from the {expected} bytes of {(DataType)t.DataType} {Dims(t)}");
                if (offset < 0 || offset > stream.Length || length > stream.Length - offset)
                    throw Bad(modelPath, t, $"external range [{offset}, {offset + length}) lies outside '{Printable(location)}' ({stream.Length} bytes)");
                used += length.Value;
                if (used > budget)
                    throw Bad(modelPath, t, $"the external regions add up to more than the {budget} bytes of the data files (regions read more than once)");
                var bytes = new byte[length.Value];
                stream.Position = offset;
                stream.ReadExactly(bytes);
                t.RawData = ByteString.CopyFrom(bytes);
                t.ExternalData.Clear();
                t.DataLocation = DataLocation.Default;
            }
        }
        finally
        {
            foreach (var s in files.Values) s.Dispose();
        }
        return external;
    }

    /// <summary>Tensors of at least this many raw bytes outside the main graph's initializers are stored externally too.</summary>
    public const int SizeThreshold = 1024;

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="output"/> with its weights in <c>OUTPUT.data</c> beside it
    /// (64-byte aligned): every initializer of the main graph held as raw data, and any other raw tensor of
    /// <see cref="SizeThreshold"/> bytes or more. Both files are written atomically, the data first, so a model file
    /// never names data that is not there. Refuses to replace any of <paramref name="inputs"/>.
    /// </summary>
    public static void Write(ModelProto model, string output, IEnumerable<string> inputs)
    {
        var full = Path.GetFullPath(output);
        var dataPath = full + ".data";
        foreach (var i in inputs)
            if (string.Equals(Path.GetFullPath(i), dataPath, StringComparison.Ordinal))
                throw new ArgumentException($"{output}: its external data would go to {dataPath}, which the input model reads; choose another output name");
        var copy = model.Clone();
        var location = Path.GetFileName(dataPath);
        var chunks = new List<ByteString>();
        var initializers = (copy.Graph?.Initializer ?? []).ToHashSet(ReferenceEqualityComparer.Instance);
        long offset = 0;
        foreach (var t in Tensors(copy))
        {
            if (t.RawData.Length == 0 || (!initializers.Contains(t) && t.RawData.Length < SizeThreshold)) continue;
            offset = (offset + 63) / 64 * 64;
            var raw = t.RawData;
            chunks.Add(raw);
            t.ExternalData.Clear();
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = raw.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            t.DataLocation = DataLocation.External;
            t.RawData = ByteString.Empty;
            offset += raw.Length;
        }
        Internal.AtomicFile.Write(dataPath, stream =>
        {
            long at = 0;
            foreach (var chunk in chunks)
            {
                long aligned = (at + 63) / 64 * 64;
                stream.Write(new byte[aligned - at]);
                chunk.WriteTo(stream);
                at = aligned + chunk.Length;
            }
        });
        OnnxFile.WriteModel(output, copy);
    }

    /// <summary>
    /// Every tensor of a model in a fixed order: initializers, sparse initializers' values and indices, node
    /// attribute tensors, recursively through subgraphs, then the functions' nodes.
    /// </summary>
    public static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        var list = new List<TensorProto>();
        if (model.Graph is not null) Collect(model.Graph, list);
        foreach (var f in model.Functions) foreach (var n in f.Node) Collect(n, list);
        return list;
    }

    private static void Collect(GraphProto g, List<TensorProto> list)
    {
        list.AddRange(g.Initializer);
        foreach (var s in g.SparseInitializer) Sparse(s, list);
        foreach (var n in g.Node) Collect(n, list);
    }

    private static void Collect(NodeProto n, List<TensorProto> list)
    {
        foreach (var a in n.Attribute)
        {
            if (a.T is not null) list.Add(a.T);
            list.AddRange(a.Tensors);
            if (a.SparseTensor is not null) Sparse(a.SparseTensor, list);
            foreach (var s in a.SparseTensors) Sparse(s, list);
            if (a.G is not null) Collect(a.G, list);
            foreach (var g in a.Graphs) Collect(g, list);
        }
    }

    private static void Sparse(SparseTensorProto s, List<TensorProto> list)
    {
        if (s.Values is not null) list.Add(s.Values);
        if (s.Indices is not null) list.Add(s.Indices);
    }

    private static (string Location, long Offset, long? Length) Entry(TensorProto t, string path)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var e in t.ExternalData)
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = Number(e.Value, "offset"); break;
                case "length": length = Number(e.Value, "length"); break;
            }
        if (t.DataLocation != DataLocation.External) throw Bad(path, t, "has external_data entries but data_location is not EXTERNAL");
        if (location is null) throw Bad(path, t, "is EXTERNAL but names no location");
        return (location, offset, length);

        long Number(string text, string key) => long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad(path, t, $"has external {key} '{Printable(text)}', not a non-negative integer");
    }

    private static long ExpectedBytes(TensorProto t, string path)
    {
        int size = (DataType)t.DataType switch
        {
            DataType.Bool or DataType.Int8 or DataType.Uint8 => 1,
            DataType.Int16 or DataType.Uint16 or DataType.Float16 or DataType.Bfloat16 => 2,
            DataType.Int32 or DataType.Uint32 or DataType.Float => 4,
            DataType.Int64 or DataType.Uint64 or DataType.Double or DataType.Complex64 => 8,
            DataType.Complex128 => 16,
            var other => throw Bad(path, t, $"is external data of type {other}, which has no fixed element size"),
        };
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) throw Bad(path, t, $"has a negative dimension {d}");
            if (d > 0 && count > OnnxTensors.MaxElements / d) throw Bad(path, t, $"has more than {OnnxTensors.MaxElements} elements");
            count *= d;
        }
        return count * size;
    }

    private static string Dims(TensorProto t) => $"[{string.Join(", ", t.Dims)}]";

    private static string Printable(string s) => Torch.PickleMachine.Printable(s.Length > 200 ? s[..200] + "…" : s);

    private static OnnxImportException Bad(string path, TensorProto t, string detail)
        => new(OnnxImportError.Malformed, path, $"{path}: tensor '{Printable(t.Name)}' {detail}");
}
