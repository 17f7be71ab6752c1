using Onnx;

namespace Noether.IO;

/// <summary>Facts about a model file that do not need the whole model: its format and stored element type.</summary>
public static class ModelFileInfo
{
    /// <summary>
    /// The element type the weights are stored in: <c>float32</c>, <c>float64</c>, <c>float16</c>, <c>bfloat16</c>,
    /// or <c>mixed</c>. Tools use it to pick the precision a model is loaded in.
    /// </summary>
    public static string StoredElementType(string path)
    {
        if (HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path)) return HuggingFace.HuggingFaceCheckpoint.StoredElementType(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        IEnumerable<string> types;
        if (ext == ".onnx")
        {
            var g = OnnxFile.ReadSkeleton(path).Graph ?? new GraphProto();
            types = g.Initializer.Select(t => (TensorProto.Types.DataType)t.DataType)
                .Concat(g.Input.Where(i => i.Type?.TensorType is not null).Select(i => (TensorProto.Types.DataType)i.Type.TensorType.ElemType))
                .Where(t => t is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16)
                .Select(t => t switch
                {
                    TensorProto.Types.DataType.Double => "float64",
                    TensorProto.Types.DataType.Float16 => "float16",
                    TensorProto.Types.DataType.Bfloat16 => "bfloat16",
                    _ => "float32",
                });
        }
        else if (ext == ".safetensors")
        {
            using var file = SafetensorsFile.Open(path);
            types = file.Entries.Select(e => e.Dtype switch
            {
                SafetensorsDtype.F64 => "float64",
                SafetensorsDtype.F16 => "float16",
                SafetensorsDtype.BF16 => "bfloat16",
                SafetensorsDtype.F32 => "float32",
                var other => other.ToHeaderName(),
            });
        }
        else if (TorchStateDict.IsTorchPath(path))
            types = TorchStateDict.DTypes(path).Where(t => t is "float32" or "float64" or "float16" or "bfloat16");
        else throw new NotSupportedException($"{path}: unsupported model format '{ext}' (supported: {string.Join(", ", ModelFiles.ReadableExtensions)})");
        var distinct = types.Distinct().ToArray();
        return distinct.Length switch { 0 => "float32", 1 => distinct[0], _ => "mixed" };
    }

    /// <summary>
    /// The element type of every floating-point tensor of a safetensors file (F64, F32, F16 or BF16) by name, so a
    /// model can be written back as it was stored; empty for other formats.
    /// </summary>
    public static IReadOnlyDictionary<string, SafetensorsDtype> StoredDtypes(string path)
    {
        if (!Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase)) return new Dictionary<string, SafetensorsDtype>();
        using var file = SafetensorsFile.Open(path);
        return file.Entries.Where(e => e.Dtype is SafetensorsDtype.F64 or SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16)
            .ToDictionary(e => e.Name, e => e.Dtype);
    }

    /// <summary>
    /// The names of an .onnx file's graph inputs that are not initializers, in graph order — the inputs a caller
    /// feeds, under the names the file gives them (the graph IR may sanitise them).
    /// </summary>
    public static IReadOnlyList<string> OnnxInputNames(string path)
    {
        var g = OnnxFile.ReadSkeleton(path).Graph ?? new GraphProto();
        var initializers = g.Initializer.Select(t => t.Name).ToHashSet();
        return g.Input.Where(i => !initializers.Contains(i.Name)).Select(i => i.Name).ToArray();
    }
}
