using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Noether.IO;

/// <summary>
/// Runs an ONNX model with ONNX Runtime (CPU): an independent engine for models the graph IR cannot express and a
/// second opinion on the ones it can. Feeds are checked against the model's declared inputs before ONNX Runtime sees
/// them, so a wrong type or shape is a one-line <see cref="ArgumentException"/> naming the input, the declared and
/// the given type and shape. Floating-point feeds are converted to the declared floating-point type and integer feeds
/// are widened to a wider declared integer type (int32 → int64); any other type mismatch is an error. ONNX Runtime's
/// own failures become one-line <see cref="InvalidDataException"/> (the model cannot be loaded) or
/// <see cref="InvalidOperationException"/> (it fails while running).
/// </summary>
public sealed class OnnxRuntimeEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _source;

    private OnnxRuntimeEngine(InferenceSession session, string source)
    {
        _session = session;
        _source = source;
        Inputs = session.InputNames.Select(n => Spec(n, session.InputMetadata[n])).ToArray();
        Outputs = session.OutputNames.Select(n => Spec(n, session.OutputMetadata[n])).ToArray();
    }

    /// <summary>Loads an .onnx file (tensors stored beside it as external data are found relative to it).</summary>
    public static OnnxRuntimeEngine Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        return Create(options => new InferenceSession(path, options), path);
    }

    /// <summary>Loads a serialized ONNX model; <paramref name="source"/> names it in messages.</summary>
    public static OnnxRuntimeEngine FromBytes(byte[] model, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(options => new InferenceSession(model, options), source);
    }

    /// <summary>Loads an in-memory model (for instance one written by <see cref="OnnxExporter"/>).</summary>
    internal static OnnxRuntimeEngine FromModel(ModelProto model, string source) => FromBytes(model.ToByteArray(), source);

    /// <summary>Exports a graph-IR model to ONNX in memory (see <see cref="OnnxExporter"/>) and loads that.</summary>
    public static OnnxRuntimeEngine FromModel<T>(Noether.Nn.Model<T> model, string source) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => FromModel(OnnxExporter.Export(model), source);

    private static OnnxRuntimeEngine Create(Func<SessionOptions, InferenceSession> open, string source)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try { return new OnnxRuntimeEngine(open(options), source); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{source}: ONNX Runtime cannot load the model: {OneLine.Of(e.Message)}", e); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException($"{source}: the ONNX Runtime native library cannot be loaded on this machine: {OneLine.Of(e.Message)}", e);
        }
    }

    /// <summary>The graph inputs to feed (initializers that may be overridden are not among them), in graph order.</summary>
    public IReadOnlyList<OnnxTensorSpec> Inputs { get; }

    /// <summary>The graph outputs, in graph order.</summary>
    public IReadOnlyList<OnnxTensorSpec> Outputs { get; }

    /// <summary>
    /// Checks the feeds against the declared inputs (every input given once, no unknown names, element types that
    /// match or convert as described on the class, fixed axes equal, a symbol the same size wherever it appears) and
    /// returns them converted to the declared types. <paramref name="sources"/> optionally names where each feed
    /// came from (a file), for messages.
    /// </summary>
    public IReadOnlyDictionary<string, TypedArray> CheckFeeds(IReadOnlyDictionary<string, TypedArray> feeds, IReadOnlyDictionary<string, string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(feeds);
        string From(string name) => sources is not null && sources.TryGetValue(name, out var s) ? $" (from {s})" : "";
        foreach (var name in feeds.Keys)
            if (!Inputs.Any(i => i.Name == name))
                throw new ArgumentException($"{_source}: the model has no input named '{name}'{From(name)}; its inputs are {Describe(Inputs)}");
        var missing = Inputs.Where(i => !feeds.ContainsKey(i.Name)).ToArray();
        if (missing.Length > 0) throw new ArgumentException($"{_source}: input(s) {Describe(missing)} not given");
        var symbols = new Dictionary<string, (long Size, string Input)>();
        var result = new Dictionary<string, TypedArray>();
        foreach (var spec in Inputs)
        {
            var given = feeds[spec.Name];
            string Mismatch(string why) => $"{_source}: input '{spec.Name}' expects {spec}, given {given}{From(spec.Name)}: {why}";
            if (spec.ElementType is not { } want)
                throw new ArgumentException($"{_source}: input '{spec.Name}' has element type {spec.TypeName}, which cannot be fed from an array");
            if (given.ElementType != want && !Converts(given.ElementType, want))
                throw new ArgumentException(Mismatch($"{given.ElementType.Name()} does not convert to {want.Name()} without loss"));
            if (spec.Dims is { } dims)
            {
                if (dims.Count != given.Shape.Length) throw new ArgumentException(Mismatch($"rank {given.Shape.Length} instead of {dims.Count}"));
                for (int a = 0; a < dims.Count; a++)
                {
                    long size = given.Shape[a];
                    if (dims[a].Size is long fixedSize && fixedSize != size)
                        throw new ArgumentException(Mismatch($"axis {a} has size {size} instead of {fixedSize}"));
                    if (dims[a].Size is null && !string.IsNullOrEmpty(dims[a].Symbol))
                    {
                        if (symbols.TryGetValue(dims[a].Symbol!, out var seen) && seen.Size != size)
                            throw new ArgumentException(Mismatch($"axis {a} is '{dims[a].Symbol}', which is {seen.Size} in input '{seen.Input}' but {size} here"));
                        symbols[dims[a].Symbol!] = (size, spec.Name);
                    }
                }
            }
            result[spec.Name] = given.ConvertTo(want);
        }
        return result;
    }

    /// <summary>Runs the model on checked feeds (see <see cref="CheckFeeds"/>); returns every graph output by name, in graph order.</summary>
    public IReadOnlyList<KeyValuePair<string, TypedArray>> Run(IReadOnlyDictionary<string, TypedArray> feeds, IReadOnlyDictionary<string, string>? sources = null)
    {
        var checkedFeeds = CheckFeeds(feeds, sources);
        var names = Inputs.Select(i => i.Name).ToArray();
        var values = new List<OrtValue>();
        try
        {
            foreach (var n in names) values.Add(ToOrt(checkedFeeds[n]));
            using var options = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try { outputs = _session.Run(options, names, values, _session.OutputNames); }
            catch (OnnxRuntimeException e) { throw new InvalidOperationException($"{_source}: ONNX Runtime failed to run the model: {OneLine.Of(e.Message)}", e); }
            using (outputs)
            {
                var result = new List<KeyValuePair<string, TypedArray>>();
                int k = 0;
                foreach (var o in outputs) result.Add(new(_session.OutputNames[k], FromOrt(o, _session.OutputNames[k++])));
                return result;
            }
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();

    private static bool Converts(ArrayElementType from, ArrayElementType to)
    {
        if (from.IsFloatingPoint() && to.IsFloatingPoint()) return true;
        if (from == ArrayElementType.Bool || to == ArrayElementType.Bool || from.IsFloatingPoint() || to.IsFloatingPoint()) return false;
        var (fromMin, fromMax) = Range(from);
        var (toMin, toMax) = Range(to);
        return toMin <= fromMin && fromMax <= toMax;
    }

    private static (decimal Min, decimal Max) Range(ArrayElementType t) => t switch
    {
        ArrayElementType.UInt8 => (byte.MinValue, byte.MaxValue),
        ArrayElementType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        ArrayElementType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        ArrayElementType.Int16 => (short.MinValue, short.MaxValue),
        ArrayElementType.UInt32 => (uint.MinValue, uint.MaxValue),
        ArrayElementType.Int32 => (int.MinValue, int.MaxValue),
        ArrayElementType.UInt64 => (ulong.MinValue, ulong.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    private static string Describe(IEnumerable<OnnxTensorSpec> specs) => string.Join(", ", specs.Select(s => $"'{s.Name}' ({s})"));

    internal static OrtValue ToOrt(TypedArray a)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, ToOrtType(a.ElementType), a.Shape.Select(d => (long)d).ToArray());
        a.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private TypedArray FromOrt(OrtValue value, string name)
    {
        if (!value.IsTensor) throw new InvalidOperationException($"{_source}: output '{name}' is a {value.OnnxType}, not a tensor; only tensor outputs can be returned");
        var info = value.GetTensorTypeAndShape();
        var type = FromOrtType(info.ElementDataType)
            ?? throw new InvalidOperationException($"{_source}: output '{name}' has element type {info.ElementDataType}, which has no array form here");
        var shape = info.Shape.Select(d => checked((int)d)).ToArray();
        return new TypedArray(type, shape, value.GetTensorDataAsSpan<byte>().ToArray());
    }

    internal static TensorElementType ToOrtType(ArrayElementType t) => t switch
    {
        ArrayElementType.Bool => TensorElementType.Bool,
        ArrayElementType.UInt8 => TensorElementType.UInt8,
        ArrayElementType.Int8 => TensorElementType.Int8,
        ArrayElementType.UInt16 => TensorElementType.UInt16,
        ArrayElementType.Int16 => TensorElementType.Int16,
        ArrayElementType.UInt32 => TensorElementType.UInt32,
        ArrayElementType.Int32 => TensorElementType.Int32,
        ArrayElementType.UInt64 => TensorElementType.UInt64,
        ArrayElementType.Int64 => TensorElementType.Int64,
        ArrayElementType.Float16 => TensorElementType.Float16,
        ArrayElementType.Float32 => TensorElementType.Float,
        ArrayElementType.Float64 => TensorElementType.Double,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown element type"),
    };

    private static ArrayElementType? FromOrtType(TensorElementType t) => t switch
    {
        TensorElementType.Bool => ArrayElementType.Bool,
        TensorElementType.UInt8 => ArrayElementType.UInt8,
        TensorElementType.Int8 => ArrayElementType.Int8,
        TensorElementType.UInt16 => ArrayElementType.UInt16,
        TensorElementType.Int16 => ArrayElementType.Int16,
        TensorElementType.UInt32 => ArrayElementType.UInt32,
        TensorElementType.Int32 => ArrayElementType.Int32,
        TensorElementType.UInt64 => ArrayElementType.UInt64,
        TensorElementType.Int64 => ArrayElementType.Int64,
        TensorElementType.Float16 => ArrayElementType.Float16,
        TensorElementType.Float => ArrayElementType.Float32,
        TensorElementType.Double => ArrayElementType.Float64,
        _ => null,
    };

    private static OnnxTensorSpec Spec(string name, NodeMetadata m)
    {
        if (!m.IsTensor) return new OnnxTensorSpec(name, null, m.OnnxValueType.ToString().ToLowerInvariant(), null);
        var type = FromOrtType(m.ElementDataType);
        var typeName = type?.Name() ?? m.ElementDataType.ToString().ToLowerInvariant();
        var dims = m.Dimensions.Select((d, i) => d >= 0 ? new OnnxDim(d, null) : new OnnxDim(null, m.SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : null)).ToArray();
        return new OnnxTensorSpec(name, type, typeName, dims);
    }
}
