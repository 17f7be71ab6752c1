using Noether.Cli.Commands;
using Noether.IO;
using System.CommandLine;
using Noether.Nn;

namespace Noether.Cli;

/// <summary>Loading and saving models for verbs: precision is kept, inputs are never overwritten.</summary>
internal static class ModelArguments
{
    private static readonly AsyncLocal<IReadOnlyDictionary<string, int>?> s_dims = new();

    /// <summary>The help text of <c>--dim</c>.</summary>
    public const string DimHelp = "Size of a symbolic input dimension of an ONNX model, as NAME=SIZE (repeatable; e.g. --dim sequence=16). "
        + "The graph IR needs concrete sizes: symbolic sizes other than the batch are pinned at import, by default to "
        + "16 (or 32, 64 when the graph does not fit 16); run and verify pin them to the sizes of their --input arrays. "
        + "ONNX files written back keep the dynamic sizes. Unnamed sizes are called INPUT:AXIS.";

    /// <summary>The <c>--dim</c> option, recursive so every verb that loads a model accepts it.</summary>
    public static Option<string[]> DimOption() => new("--dim") { Description = DimHelp, Recursive = true, AllowMultipleArgumentsPerToken = false };

    /// <summary>The sizes given with <c>--dim</c> for the command running in this async flow.</summary>
    public static IReadOnlyDictionary<string, int> Dims => s_dims.Value ?? new Dictionary<string, int>();

    /// <summary>Parses and records the <c>--dim</c> values for the command about to run.</summary>
    public static void SetDims(IEnumerable<string>? values)
    {
        var dims = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in values ?? [])
        {
            int eq = v.LastIndexOf('=');
            if (eq <= 0 || !int.TryParse(v[(eq + 1)..], out var size) || size <= 0)
                throw new ArgumentException($"--dim {v}: expected NAME=SIZE with a positive integer SIZE (e.g. --dim sequence=16)");
            var name = v[..eq];
            if (dims.TryGetValue(name, out var before) && before != size) throw new ArgumentException($"--dim {v}: '{name}' is already {before}");
            dims[name] = size;
        }
        s_dims.Value = dims;
        s_inferred.Value = null;
        s_probeValues.Value = null;
    }

    /// <summary>
    /// For run and verify: the <c>--dim</c> sizes plus, for symbols not given there, the sizes the <c>--input</c>
    /// arrays have on the axes where an .onnx model declares them. An explicit <c>--dim</c> wins; inputs that disagree
    /// on a symbol are an error.
    /// </summary>
    public static IReadOnlyDictionary<string, int> DimsFromInputs(string path, IReadOnlyList<string> values)
        => DimsFromInputs(path, BindInputs(path, values));

    private static Dictionary<string, int> DimsFromInputs(string path, BoundInputs? bound)
    {
        var dims = new Dictionary<string, int>(Dims, StringComparer.Ordinal);
        if (bound is null) return dims;
        var seen = new Dictionary<string, (int Size, string File)>(StringComparer.Ordinal);
        foreach (var (symbol, (input, axis)) in OnnxImporter.SymbolicDims(path))
        {
            if (Dims.ContainsKey(symbol)) continue;
            int k = Array.IndexOf(bound.Names, input);
            if (k < 0) continue;
            var shape = bound.Read(k).Shape;
            if (axis >= shape.Length) continue;
            if (seen.TryGetValue(symbol, out var s) && s.Size != shape[axis])
                throw new ArgumentException($"{bound.Files[k]}: axis {axis} of input '{input}' is the symbolic size '{symbol}', {shape[axis]} here but {s.Size} in {s.File}");
            seen[symbol] = (shape[axis], bound.Files[k]);
            dims[symbol] = shape[axis];
        }
        return dims;
    }

    private static readonly AsyncLocal<IReadOnlyDictionary<string, int>?> s_inferred = new();

    /// <summary>
    /// Pins symbolic sizes from the <c>--input</c> arrays for the rest of this command (see <see cref="DimsFromInputs"/>).
    /// <paramref name="models"/> are every model the command loads: each <c>--dim</c> must name a symbol one of them declares.
    /// </summary>
    public static void PinFromInputs(string path, IReadOnlyList<string> values, params string[] models)
    {
        CheckDims(models.Length == 0 ? [path] : models);
        if (IsCheckpoint(path))
        {
            s_inferred.Value = SequenceFromInputs(path, values);
            s_probeValues.Value = null;
            return;
        }
        var bound = BindInputs(path, values); // each file read at most once for both uses
        s_inferred.Value = DimsFromInputs(path, bound);
        s_probeValues.Value = SmallInputs(bound);
    }

    private static readonly AsyncLocal<IReadOnlyDictionary<string, TypedArray>?> s_probeValues = new();

    /// <summary>An .onnx model's input names, the files bound to them, and each array read once on demand.</summary>
    private sealed class BoundInputs(string[] names, string[] files)
    {
        private readonly TypedArray?[] _arrays = new TypedArray?[files.Length];
        public string[] Names { get; } = names;
        public string[] Files { get; } = files;
        public TypedArray Read(int k) => _arrays[k] ??= NpyArrays.Read(Files[k]);
    }

    /// <summary>The inputs bound to an .onnx model's names, or null (not .onnx, no inputs, or a binding error reported where the inputs are read).</summary>
    private static BoundInputs? BindInputs(string path, IReadOnlyList<string> values)
    {
        if (values.Count == 0 || !Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return null;
        var names = ModelFileInfo.OnnxInputNames(path).ToArray();
        try { return new BoundInputs(names, InputBinding.Bind(path, names, values)); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The given inputs of at most a few thousand elements, by name: candidates for <see cref="OnnxImportOptions.ProbeValues"/>.</summary>
    private static Dictionary<string, TypedArray>? SmallInputs(BoundInputs? bound)
    {
        if (bound is null) return null;
        var small = new Dictionary<string, TypedArray>(StringComparer.Ordinal);
        for (int k = 0; k < bound.Files.Length; k++)
        {
            var a = bound.Read(k);
            if (a.Length <= 4096) small[bound.Names[k]] = a;
        }
        return small;
    }

    /// <summary>
    /// The <c>--dim</c> sizes plus, for a Hugging Face checkpoint fed one token-id array [batch, S], sequence = S
    /// (an explicit <c>--dim sequence</c> wins).
    /// </summary>
    private static Dictionary<string, int> SequenceFromInputs(string path, IReadOnlyList<string> values)
    {
        var dims = new Dictionary<string, int>(Dims, StringComparer.Ordinal);
        if (values.Count != 1 || dims.ContainsKey(ModelFiles.SequenceSymbol)) return dims;
        var file = values[0].Contains('=') && !File.Exists(values[0]) ? values[0][(values[0].IndexOf('=') + 1)..] : values[0];
        if (!File.Exists(file)) return dims;
        var shape = NpyArrays.Read(file).Shape;
        if (shape.Length == 2 && shape[1] > 0) dims[ModelFiles.SequenceSymbol] = shape[1];
        return dims;
    }

    private static bool IsCheckpoint(string path) => Noether.IO.HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(path);

    /// <summary>Fails when a <c>--dim</c> names a symbol none of the .onnx <paramref name="models"/> declares (a Hugging Face checkpoint declares <c>sequence</c>).</summary>
    private static void CheckDims(IReadOnlyList<string> models)
    {
        if (Dims.Count == 0) return;
        if (models.Any(IsCheckpoint) && Dims.Keys.All(k => k == ModelFiles.SequenceSymbol)) return;
        var onnx = models.Where(m => Path.GetExtension(m).Equals(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(m)).ToArray();
        var declared = onnx.SelectMany(m => OnnxImporter.SymbolicDims(m)).ToDictionary(kv => kv.Key, kv => kv.Value).Keys.ToHashSet();
        var unknown = Dims.Keys.Where(k => !declared.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"--dim {string.Join(", ", unknown)}: {string.Join(" and ", models)} declare{(models.Count == 1 ? "s" : "")} no such symbolic input size"
                + (declared.Count == 0 ? "" : $" (they have {string.Join(", ", declared.Order())})"));
    }

    /// <summary>
    /// Loads a model file, importing .onnx files with the <c>--dim</c> sizes (and those pinned from inputs): a
    /// <c>--dim</c> the file does not declare is an error, unless the command already checked it against several files.
    /// </summary>
    public static Model<T> LoadFile<T>(string path, string? architecture = null) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (IsCheckpoint(path)) return ModelFiles.Load<T>(path, architecture, CheckpointOptions(path));
        if (!Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return ModelFiles.Load<T>(path, architecture);
        if (s_inferred.Value is null) CheckDims([path]);
        var declared = OnnxImporter.SymbolicDims(path);
        var dims = (s_inferred.Value ?? Dims).Where(kv => declared.ContainsKey(kv.Key)).ToDictionary();
        return ModelFiles.Load<T>(path, architecture, OnnxImportOptions.With(dims, s_probeValues.Value));
    }

    /// <summary>
    /// Opens an .onnx file for changing its weights in bounded memory (<see cref="OnnxWeightFile{T}"/>), with the
    /// <c>--dim</c> sizes; null where that way does not apply (the caller then loads it with <see cref="LoadMapped{T}"/>).
    /// </summary>
    public static OnnxWeightFile<T>? OpenOnnxWeights<T>(string path, CancellationToken cancel) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (!IsOnnx(path) || !File.Exists(path)) return null;
        if (s_inferred.Value is null) CheckDims([path]);
        var declared = OnnxImporter.SymbolicDims(path);
        var dims = (s_inferred.Value ?? Dims).Where(kv => declared.ContainsKey(kv.Key)).ToDictionary();
        return OnnxWeightFile<T>.TryOpen(path, OnnxImportOptions.With(dims, s_probeValues.Value), out _, cancel);
    }

    /// <summary>
    /// Saves a model opened by <see cref="OpenOnnxWeights{T}"/>: the file's bytes with only changed weights
    /// rewritten, else (a computed weight changed, tied weights moved apart) as <see cref="Save{T}"/> does.
    /// </summary>
    public static string? SaveOnnxWeights<T>(OnnxWeightFile<T> weights, string output, string precision, IReadOnlyDictionary<string, string>? metadata,
        string input, IProgress<double>? progress, CancellationToken cancel) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (ModelPrecision.SamePath(input, output)) throw new ArgumentException($"Refusing to overwrite the input {input}; choose another --out");
        if (precision == "float32") StorageRange.RequireFits(weights.Model, _ => SafetensorsDtype.F32, output);
        ModelFiles.CheckWritable(output);
        var reason = weights.TrySave(output, progress, cancel);
        return reason is null
            ? $"kept {Path.GetFileName(input)}'s graph, names, shapes, opset and metadata; only weights changed (written a tensor at a time)"
            : Save(weights.Model, output, precision, metadata, input);
    }

    /// <summary>Loads a model in float64 and reports whether its file stored float32 or float64.</summary>
    public static (Model<double> Model, string Precision) Load(string path, string? architecture = null)
    {
        var model = LoadFile<double>(path, architecture);
        return (model, ModelPrecision.Resolve("auto", path));
    }

    /// <summary>The precision a model file stores: float64 when its weights are F64, else float32.</summary>
    public static string StoredPrecision(string path) => ModelPrecision.Resolve("auto", path);

    /// <summary>
    /// Loads a model in <typeparamref name="T"/> for a verb that transforms it in place: safetensors tensors stored as
    /// <typeparamref name="T"/> are copy-on-write views of the mapped file (no copy, the file never changes); .onnx
    /// files are imported as by <see cref="LoadFile{T}"/>.
    /// </summary>
    public static Model<T> LoadMapped<T>(string path, string? architecture = null) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => IsOnnx(path) ? LoadFile<T>(path, architecture)
            : IsCheckpoint(path) ? ModelFiles.LoadMapped<T>(path, architecture, CheckpointOptions(path))
            : ModelFiles.LoadMapped<T>(path, architecture);

    /// <summary>The sequence length of a checkpoint's graph: pinned from inputs, else <c>--dim sequence=N</c>.</summary>
    private static OnnxImportOptions CheckpointOptions(string path)
    {
        if (s_inferred.Value is null) CheckDims([path]);
        return OnnxImportOptions.WithDims((s_inferred.Value ?? Dims).Where(kv => kv.Key == ModelFiles.SequenceSymbol).ToDictionary());
    }

    /// <summary>
    /// Saves in the given precision after checking that <paramref name="output"/> is none of <paramref name="inputs"/>.
    /// A model read from .onnx (<paramref name="inputs"/>[0]) and written as .onnx keeps its file: only weights change
    /// (<see cref="OnnxWriteBack"/>); where that is impossible the exporter writes a new graph. Returns a one-line note
    /// saying which happened (null for other formats).
    /// </summary>
    public static string? Save<T>(Model<T> model, string output, string precision, IReadOnlyDictionary<string, string>? metadata, params string[] inputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        foreach (var i in inputs)
            if (ModelPrecision.SamePath(i, output)) throw new ArgumentException($"Refusing to overwrite the input {i}; choose another --out");
        // Weights moved beyond float32's range would be written as ±∞: refuse, naming the tensor, before writing anything.
        if (precision == "float32") StorageRange.RequireFits(model, _ => SafetensorsDtype.F32, output);
        if (inputs.Length > 0 && IsCheckpoint(inputs[0]))
        {
            var untied = Noether.IO.HuggingFace.HuggingFaceCheckpoint.Save(model, inputs[0], output, metadata);
            return $"wrote a Hugging Face checkpoint folder: {Path.GetFileName(Path.TrimEndingDirectorySeparator(inputs[0]))}'s tensor names, element types and shards, config and tokenizer files copied"
                + (untied is null ? "" : $"; {untied}");
        }
        bool onnx = IsOnnx(output) && inputs.Length > 0 && IsOnnx(inputs[0]);
        if (onnx)
        {
            ModelFiles.CheckWritable(output);
            var reason = OnnxWriteBack.TrySave(inputs[0], model, output, out var untied);
            var kept = $"kept {Path.GetFileName(inputs[0])}'s graph, names, shapes, opset and metadata; only weights changed";
            if (reason is null && untied.Count == 0) return kept;
            if (reason is null)
                return $"{kept}, and {untied.Count} shared initializer(s) now hold different values per consumer, so each "
                    + $"consumer got its own copy ({string.Join(", ", untied.Take(4))}{(untied.Count > 4 ? ", …" : "")})";
            Write(model, output, precision, metadata, null);
            return $"wrote a new ONNX graph (names and shapes may differ from {Path.GetFileName(inputs[0])}): {reason}";
        }
        return Write(model, output, precision, metadata, inputs.Length > 0 ? inputs[0] : null);
    }

    /// <summary>
    /// Writes the model; a safetensors source's element types (float16, bfloat16, …) are kept for a safetensors output.
    /// Returns a note when narrower stored types were widened (a float16 source written as ONNX float32).
    /// </summary>
    private static string? Write<T>(Model<T> model, string output, string precision, IReadOnlyDictionary<string, string>? metadata, string? source)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var stored = source is null ? new Dictionary<string, SafetensorsDtype>() : ModelFileInfo.StoredDtypes(source);
        var narrow = stored.Values.Where(d => d is SafetensorsDtype.F16 or SafetensorsDtype.BF16).Distinct().Select(d => d.ToHeaderName()).ToArray();
        if (!IsOnnx(output) && stored.Count > 0)
        {
            var fallback = precision == "float32" ? SafetensorsDtype.F32 : SafetensorsDtype.F64;
            ModelFiles.Save(model, output, metadata, model.Parameters.Keys.ToDictionary(k => k, k => stored.GetValueOrDefault(k, fallback)));
            return null;
        }
        if (precision == "float32" && model is Model<float> single) ModelFiles.Save(single, output, metadata);
        else if (precision == "float32") ModelFiles.Save(model.Cast<float>(), output, metadata);
        else if (model is Model<double> full) ModelFiles.Save(full, output, metadata);
        else ModelFiles.Save(model.Cast<double>(), output, metadata);
        return narrow.Length == 0 ? null : $"{Path.GetFileName(source)} stored {string.Join(" and ", narrow)} weights; {Path.GetFileName(output)} holds them as {precision}";
    }

    private static bool IsOnnx(string path) => Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase);
}
