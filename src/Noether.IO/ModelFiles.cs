using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Loads and saves whole models (architecture + weights). A Noether safetensors file stores its graph as JSON in
/// <c>__metadata__["noether.graph"]</c>, so the single file reloads; weights are written as F32 or F64 after T.
/// <c>.onnx</c> files go through <see cref="OnnxImporter"/> and <see cref="OnnxExporter"/>.
/// </summary>
public static class ModelFiles
{
    /// <summary>Metadata key holding the architecture JSON.</summary>
    public const string GraphKey = "noether.graph";

    /// <summary>File extensions accepted for models.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".safetensors", ".onnx"];

    /// <summary>Throws unless <paramref name="path"/> has a supported extension and an existing directory.</summary>
    public static void CheckWritable(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(ext)) throw new NotSupportedException($"{path}: cannot save a model as '{ext}'; use one of {string.Join(", ", Extensions)}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"{path}: directory {dir} does not exist");
    }

    /// <summary>Saves a model atomically (temporary file, then rename); <c>.onnx</c> paths are exported as ONNX (without metadata).</summary>
    public static void Save<T>(Model<T> model, string path, IReadOnlyDictionary<string, string>? metadata = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckWritable(path);
        if (IsOnnx(path)) { OnnxExporter.Save(model, path); return; }
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [GraphKey] = GraphJson.Serialize(model.Graph) };
        SafetensorsWriter.Write(path, model.Parameters, meta);
    }

    /// <summary>Loads a model saved by <see cref="Save{T}"/> (or any safetensors file whose metadata holds a Noether graph).</summary>
    public static Model<T> Load<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".onnx") return OnnxImporter.Load<T>(path);
        if (ext != ".safetensors") throw new NotSupportedException($"{path}: unsupported model format '{ext}' (supported: {string.Join(", ", Extensions)})");
        using var file = SafetensorsFile.Open(path);
        if (file.Metadata is null || !file.Metadata.TryGetValue(GraphKey, out var json))
            throw new InvalidDataException($"{path}: the safetensors file carries no architecture (no \"{GraphKey}\" in __metadata__); it holds only weights");
        Graph graph;
        try { graph = GraphJson.Deserialize(json); }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the architecture in __metadata__ is invalid: {e.Message}", e);
        }
        var tensors = new Dictionary<string, Tensor<T>>();
        foreach (var p in graph.Parameters)
        {
            if (!file.Contains(p.Name)) throw new InvalidDataException($"{path}: tensor '{p.Name}' of shape {Shapes.Format(p.Shape)} required by the architecture is missing");
            var t = file.Read<T>(p.Name);
            if (!Shapes.Equal(t.Shape, p.Shape))
                throw new ShapeMismatchException($"{path}: tensor '{p.Name}'", "stored shape differs from the architecture's", t.ShapeArray(), p.Shape);
            foreach (var v in t.Span)
                if (!T.IsFinite(v)) throw new InvalidDataException($"{path}: tensor '{p.Name}' {Shapes.Format(p.Shape)} contains NaN or infinity");
            tensors[p.Name] = t;
        }
        var extra = file.Entries.Select(e => e.Name).Except(graph.Parameters.Select(p => p.Name)).ToArray();
        if (extra.Length > 0) throw new InvalidDataException($"{path}: tensors {string.Join(", ", extra.Take(5))} are not parameters of the architecture");
        return new Model<T>(graph, tensors);
    }

    private static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);
}
