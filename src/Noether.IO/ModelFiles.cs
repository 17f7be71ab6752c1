using Noether.IO.Internal;
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

    /// <summary>Writes a graph's architecture as JSON (atomically), e.g. as the sidecar of a weights-only file.</summary>
    public static void SaveArchitecture(Graph graph, string path)
    {
        var json = new System.Text.UTF8Encoding(false).GetBytes(GraphJson.Serialize(graph));
        AtomicFile.Write(path, stream => stream.Write(json));
    }

    /// <summary>
    /// Saves a model atomically (temporary file, then rename); <c>.onnx</c> paths are exported as ONNX (without
    /// metadata). A safetensors file is refused (nothing written) when it would not load: see <see cref="ParameterValues"/>.
    /// </summary>
    public static void Save<T>(Model<T> model, string path, IReadOnlyDictionary<string, string>? metadata = null) where T : unmanaged, IFloatingPointIeee754<T>
        => Save(model, path, metadata, null);

    /// <summary>
    /// Saves a model as <see cref="Save{T}(Model{T}, string, IReadOnlyDictionary{string, string}?)"/> does, storing
    /// each safetensors tensor in the element type <paramref name="dtypes"/> gives it (F64, F32, F16 or BF16; a tensor
    /// it does not name is stored as <typeparamref name="T"/>), so a float16 or bfloat16 model is written back as it
    /// came. A finite value that would become ±∞ in its type is refused with <see cref="ValueOverflowException"/>.
    /// </summary>
    public static void Save<T>(Model<T> model, string path, IReadOnlyDictionary<string, string>? metadata, IReadOnlyDictionary<string, SafetensorsDtype>? dtypes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckWritable(path);
        var natural = typeof(T) == typeof(double) ? SafetensorsDtype.F64 : SafetensorsDtype.F32;
        SafetensorsDtype DtypeOf(string name) => IsOnnx(path) ? natural : dtypes is not null && dtypes.TryGetValue(name, out var d) ? d : natural;
        StorageRange.RequireFits(model, DtypeOf, path);
        if (IsOnnx(path)) { OnnxExporter.Save(model, path); return; }
        foreach (var p in model.Graph.Parameters)
            if (model.Parameters.TryGetValue(p.Name, out var t) && ParameterValues.Violation(p, t.Contiguous().Span) is { } why)
                throw new ArgumentException($"{path}: refusing to write a file that cannot be read back: {why}");
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [GraphKey] = GraphJson.Serialize(model.Graph) };
        SafetensorsWriter.Write(path, model.Parameters.Select(kv => StorageRange.Entry(kv.Key, kv.Value, DtypeOf(kv.Key))), meta);
    }

    /// <summary>Loads a model saved by <see cref="Save{T}"/> (or any safetensors file whose metadata holds a Noether graph).</summary>
    public static Model<T> Load<T>(string path) where T : unmanaged, IFloatingPointIeee754<T> => Load<T>(path, architecture: null);

    /// <summary>
    /// Loads a model. A file that holds only weights — a PyTorch state dict as safetensors or as <c>.pt</c>/<c>.pth</c>/
    /// <c>.bin</c> (see <see cref="TorchStateDict"/>) — takes its architecture from <paramref name="architecture"/> (a
    /// graph JSON file), else from the file's metadata, else from a sidecar <c>X.json</c> next to <c>X.safetensors</c>;
    /// parameter names must match the graph's, as they are or under one prefix (see <see cref="StateDictNames"/>).
    /// </summary>
    public static Model<T> Load<T>(string path, string? architecture) where T : unmanaged, IFloatingPointIeee754<T> => Load<T>(path, architecture, null);

    /// <summary>
    /// Loads a model as <see cref="Load{T}(string, string?)"/> does; an .onnx file is imported with
    /// <paramref name="onnx"/> (symbolic input sizes pinned to given sizes, see <see cref="OnnxImportOptions"/>).
    /// </summary>
    public static Model<T> Load<T>(string path, string? architecture, OnnxImportOptions? onnx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path)) return LoadCheckpoint<T>(path, architecture, onnx, mapped: false);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".onnx") return OnnxImporter.Load<T>(path, onnx ?? OnnxImportOptions.Default);
        if (TorchStateDict.IsTorchPath(path))
        {
            var dict = TorchStateDict.Read(path);
            var graph = Architecture(path, architecture, embedded: null);
            return Assemble<T>(path, graph, dict.Tensors.Select(t => t.Name).ToArray(), n => dict[n].ToTensor<T>());
        }
        if (ext != ".safetensors") throw new NotSupportedException($"{path}: unsupported model format '{ext}' (supported: {string.Join(", ", ReadableExtensions)})");
        using var file = SafetensorsFile.Open(path);
        string? inFile = file.Metadata is not null && file.Metadata.TryGetValue(GraphKey, out var embedded) ? embedded : null;
        return Assemble<T>(path, Architecture(path, architecture, inFile), file.Entries.Select(e => e.Name).ToArray(), file.Read<T>);
    }

    /// <summary>
    /// Loads a model as <see cref="Load{T}(string, string?)"/> does, except that safetensors tensors stored exactly as
    /// <typeparamref name="T"/> (F32 for float, F64 for double) are not copied: they are copy-on-write views of the
    /// memory-mapped file (see <see cref="SafetensorsFile.ReadView{T}"/>), paged in as they are used. Writing into
    /// them changes this process's copy only, never the file. Use it to transform a large model in place with
    /// memory near the file's size; other formats load as with <see cref="Load{T}(string, string?, OnnxImportOptions?)"/>.
    /// </summary>
    public static Model<T> LoadMapped<T>(string path, string? architecture = null, OnnxImportOptions? onnx = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path)) return LoadCheckpoint<T>(path, architecture, onnx, mapped: true);
        if (!File.Exists(path) || !Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase)) return Load<T>(path, architecture, onnx);
        var own = SafetensorsDtypes.FromElementKind(ElementTypes.RequireKindOf<T>("LoadMapped"));
        using var file = SafetensorsFile.Open(path);
        string? inFile = file.Metadata is not null && file.Metadata.TryGetValue(GraphKey, out var embedded) ? embedded : null;
        return Assemble<T>(path, Architecture(path, architecture, inFile), file.Entries.Select(e => e.Name).ToArray(),
            name => file.GetEntry(name).Dtype == own && BitConverter.IsLittleEndian ? file.ReadView<T>(name) : file.Read<T>(name));
    }

    /// <summary>The symbolic size naming the sequence length of a Hugging Face checkpoint's graph (<c>--dim sequence=N</c>).</summary>
    public const string SequenceSymbol = "sequence";

    /// <summary>
    /// A Hugging Face checkpoint folder (see <see cref="HuggingFace.HuggingFaceCheckpoint"/>): its config is its
    /// architecture; the sequence length is <paramref name="onnx"/>'s <c>sequence</c> size when given.
    /// </summary>
    private static Model<T> LoadCheckpoint<T>(string path, string? architecture, OnnxImportOptions? onnx, bool mapped) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (architecture is not null) throw new ArgumentException($"{path}: a Hugging Face checkpoint folder takes its architecture from config.json; --arch does not apply");
        int? sequence = onnx is not null && onnx.Dims.TryGetValue(SequenceSymbol, out var s) ? s : null;
        return HuggingFace.HuggingFaceCheckpoint.Load<T>(path, sequence, mapped);
    }

    /// <summary>File extensions a model (or a weights-only state dict with its architecture) is read from.</summary>
    public static IReadOnlyList<string> ReadableExtensions { get; } = [".safetensors", ".onnx", .. TorchStateDict.Extensions];

    /// <summary>The graph from --arch, else the file's own metadata, else the sidecar X.json.</summary>
    private static Graph Architecture(string path, string? architecture, string? embedded)
    {
        string sidecar = Path.ChangeExtension(path, ".json");
        string json, source;
        if (architecture is not null)
        {
            if (!File.Exists(architecture)) throw new FileNotFoundException($"Architecture file not found: {architecture}", architecture);
            (json, source) = (File.ReadAllText(architecture), architecture);
        }
        else if (embedded is not null) (json, source) = (embedded, $"{path} (__metadata__)");
        else if (File.Exists(sidecar)) (json, source) = (File.ReadAllText(sidecar), sidecar);
        else throw new InvalidDataException(TorchStateDict.IsTorchPath(path)
            ? $"{path}: a PyTorch state dict holds only weights; give its architecture as graph JSON in {Path.GetFileName(sidecar)} beside it or with --arch FILE (format: docs/graph-json.schema.json)"
            : $"{path}: the file holds only weights (no \"{GraphKey}\" in __metadata__); give its architecture as graph JSON in {Path.GetFileName(sidecar)} beside it or with --arch FILE");
        try { return GraphJson.Deserialize(json, FileCancellation.Current); }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: the architecture is invalid: {e.Message}", e);
        }
    }

    /// <summary>Reads the graph's parameters from a weights file whose tensors are <paramref name="stored"/>.</summary>
    private static Model<T> Assemble<T>(string path, Graph graph, string[] stored, Func<string, Tensor<T>> read) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var prefix = StateDictNames.Prefix(stored, graph.Parameters) ?? "";
        var tensors = new Dictionary<string, Tensor<T>>();
        var present = stored.ToHashSet(StringComparer.Ordinal);
        var cancel = FileCancellation.Current;
        foreach (var p in graph.Parameters)
        {
            if ((tensors.Count & 255) == 0) cancel.ThrowIfCancellationRequested();
            if (!present.Contains(prefix + p.Name)) throw new InvalidDataException($"{path}: tensor '{p.Name}' of shape {Shapes.Format(p.Shape)} required by the architecture is missing");
            var t = read(prefix + p.Name);
            if (!Shapes.Equal(t.Shape, p.Shape))
                throw new ShapeMismatchException($"{path}: tensor '{prefix + p.Name}'", "stored shape differs from the architecture's", t.ShapeArray(), p.Shape);
            if (ParameterValues.Violation(p, t.Span) is { } why) throw new InvalidDataException($"{path}: {why}");
            tensors[p.Name] = t;
        }
        var extra = StateDictNames.Extra(stored, graph.Parameters, prefix);
        if (extra.Length > 0) throw new InvalidDataException($"{path}: tensors {string.Join(", ", extra.Take(5).Select(e => prefix + e))} are not parameters of the architecture");
        return new Model<T>(graph, tensors);
    }

    private static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);
}
