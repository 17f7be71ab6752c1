using System.Buffers.Binary;
using System.Numerics;
using Noether.IO.Internal;
using Noether.Nn;
using Noether.Tensors;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// An .onnx file opened to change its weights in bounded memory: the file is memory-mapped and parsed without its
/// weight bytes, <see cref="Model"/> holds the parameters once (in <typeparamref name="T"/>), and
/// <see cref="TrySave"/> writes a copy of the file in which only the bytes of changed weights differ — graph,
/// names, shapes, opset and metadata stay byte for byte. Where each parameter element lives in the file is traced
/// when opening, by importing the file once with distinct markers in place of its weights (one weight decoded at a
/// time); the trace is then proved on the real values, and the written file is proved against the model before it
/// replaces anything. Peak memory is about the model once plus the largest tensor a few times.
/// </summary>
public sealed class OnnxWeightFile<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly OnnxMappedModel _file;
    private readonly IReadOnlyList<StoredTensor> _sources;     // probed tensors, in marker order
    private readonly int[] _starts;                            // first marker code of each source
    private readonly Dictionary<string, ParameterTrace> _traces;
    private readonly Dictionary<string, T[]> _untracedBefore;  // values of parameters with untraced elements

    private OnnxWeightFile(OnnxMappedModel file, Model<T> model, IReadOnlyList<StoredTensor> sources, int[] starts,
        Dictionary<string, ParameterTrace> traces, Dictionary<string, T[]> untraced)
    {
        _file = file;
        Model = model;
        _sources = sources;
        _starts = starts;
        _traces = traces;
        _untracedBefore = untraced;
    }

    /// <summary>The imported model; change its parameters in place, then <see cref="TrySave"/>.</summary>
    public Model<T> Model { get; }

    /// <summary>
    /// Opens <paramref name="path"/>; null with a one-line <paramref name="reason"/> when this way does not apply (no
    /// weights stored as raw data, external data, a graph whose import needs ONNX Runtime or changes when its weights
    /// are markers, an import failure): the caller then imports the file the ordinary way, which reports errors.
    /// </summary>
    public static OnnxWeightFile<T>? TryOpen(string path, OnnxImportOptions? options, out string? reason, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= OnnxImportOptions.Default;
        OnnxMappedModel? file = null;
        try
        {
            file = OnnxMappedModel.Open(path);
            if (file is null) { reason = "the file stores no weights as raw data in itself"; return null; }
            var opened = Open(file, options, out reason, cancel);
            if (opened is not null) file = null;
            return opened;
        }
        // Whatever goes wrong here (a hostile file included) only means this way does not apply: the ordinary import
        // of the same file then fails with its own message, or succeeds.
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            reason = OneLine.Of(e.Message, 200);
            return null;
        }
        finally { file?.Dispose(); }
    }

    private static OnnxWeightFile<T>? Open(OnnxMappedModel file, OnnxImportOptions options, out string? reason, CancellationToken cancel)
    {
        var structure = file.Structure;
        var control = OnnxWriteBack.ControlInputs(structure);
        var sources = new List<StoredTensor>();
        var starts = new List<int>();
        long next = 0;
        foreach (var t in file.Stored)
        {
            var (_, count) = OnnxTensors.Layout(t.Proto, file.Path, options.MaxTensorBytes);
            if (count <= 1 || control.Contains(t.Name) || t.Type is not (DataType.Float or DataType.Double or DataType.Float16)) continue;
            if (t.Length != count * RawElements.Size(t.Type)) continue; // the import reports the size mismatch
            if (next + count > MarkerCapacity) continue;
            sources.Add(t);
            starts.Add((int)next);
            next += count;
        }
        var startArray = starts.ToArray();
        var bySource = sources.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        Tensor<float>? Markers(StoredTensor t)
        {
            if (!bySource.TryGetValue(t, out int s)) return null;
            var (shape, count) = OnnxTensors.Layout(t.Proto, file.Path, options.MaxTensorBytes);
            // Non-finite values (a mask of −∞) keep their values: markers there could change what the importer sees.
            if (!file.AllFinite(t)) return null;
            var markers = new float[count];
            for (int i = 0; i < markers.Length; i++) markers[i] = Marker(startArray[s] + i);
            return new Tensor<float>(markers, shape);
        }

        // The probe first (markers in place of weights), then the real import; the probe again if the real import
        // fused rotary attention (whose tables the probe cannot recognise when they hold markers).
        Model<float> probe = OnnxImporter.Import<float>(structure, file.Path, options: options with { StoredInitializers = file.Values(options.MaxTensorBytes, Markers) });
        cancel.ThrowIfCancellationRequested();
        string probeJson = GraphJson.Serialize(probe.Graph);
        var traces = Traces(probe, sources, startArray);
        probe = null!;
        var model = OnnxImporter.Import<T>(structure, file.Path, options: options with { StoredInitializers = file.Values(options.MaxTensorBytes) });
        cancel.ThrowIfCancellationRequested();
        string graphJson = GraphJson.Serialize(model.Graph);
        if (graphJson != probeJson)
        {
            var rotary = model.Graph.Nodes.Where(n => n.Op is Nn.Operations.AttentionOp { Rotary: not null })
                .ToDictionary(n => n.Name, n => ((Nn.Operations.AttentionOp)n.Op).Rotary!);
            if (rotary.Count == 0) { reason = "the importer reads the file with markers in place of its weights as a different graph"; return null; }
            model = null!;
            probe = OnnxImporter.Import<float>(structure, file.Path, options: options with { StoredInitializers = file.Values(options.MaxTensorBytes, Markers), KnownRotary = rotary });
            if (GraphJson.Serialize(probe.Graph) != graphJson) { reason = "the importer reads the file with markers in place of its weights as a different graph"; return null; }
            traces = Traces(probe, sources, startArray);
            probe = null!;
            model = OnnxImporter.Import<T>(structure, file.Path, options: options with { StoredInitializers = file.Values(options.MaxTensorBytes) });
        }
        var opened = new OnnxWeightFile<T>(file, model, sources, startArray, traces, new Dictionary<string, T[]>());
        // Proof of the trace on the real values: every traced element equals the file's element it names.
        reason = opened.Verify(cancel);
        if (reason is not null) { reason = $"the traced weights do not match the file ({reason})"; return null; }
        foreach (var (name, trace) in traces)
            if (trace.HasUntraced) opened._untracedBefore[name] = model[name].ToArray();
        return opened;
    }

    /// <summary>Marker codes available: float32 bit patterns from 1.0f up to the largest finite float.</summary>
    private const long MarkerCapacity = 0x7F7FFFFFL - OnnxWriteBack.F32Base;

    private static float Marker(int code) => BitConverter.Int32BitsToSingle(OnnxWriteBack.F32Base + code);

    private static Dictionary<string, ParameterTrace> Traces(Model<float> probe, List<StoredTensor> sources, int[] starts)
    {
        var ends = starts.Select((s, i) => s + (int)Math.Min(int.MaxValue, sources[i].Proto.Dims.Aggregate(1L, (a, d) => a * d))).ToArray();
        (int, int) Locate(int code)
        {
            int s = Array.BinarySearch(starts, code);
            if (s < 0) s = ~s - 1;
            return s >= 0 && code < ends[s] ? (s, code - starts[s]) : (-1, -1);
        }
        var traces = new Dictionary<string, ParameterTrace>(StringComparer.Ordinal);
        foreach (var (name, value) in probe.Parameters)
        {
            GarbageBound.Check();
            var v = value.Contiguous().Storage;
            int Code(int k)
            {
                float x = v.Span[k];
                int bits = BitConverter.SingleToInt32Bits(x) - OnnxWriteBack.F32Base;
                return x >= 1f && float.IsFinite(x) && Locate(bits).Item1 >= 0 ? bits : -1;
            }
            traces[name] = ParameterTrace.Of(value.ShapeArray(), Code, Locate);
        }
        return traces;
    }

    /// <summary>Checks every traced parameter element against the file, one source tensor at a time; null when all agree.</summary>
    private string? Verify(CancellationToken cancel)
    {
        for (int s = 0; s < _sources.Count; s++)
        {
            cancel.ThrowIfCancellationRequested();
            GarbageBound.Check();
            var source = _sources[s];
            string? failure = null;
            foreach (var (name, trace) in Readers(s))
            {
                var values = Model[name].Storage;
                Pairs(_file, source, s, trace, (ks, es) =>
                {
                    var bytes = _file.Bytes(source);
                    var v = values.Span;
                    for (int j = 0; j < ks.Length && failure is null; j++)
                    {
                        double stored = RawElements.Read(source.Type, bytes, es[j]);
                        if (!T.CreateTruncating(stored).Equals(v[ks[j]]))
                            failure = $"parameter '{name}' element {ks[j]} is {v[ks[j]]}, but '{source.Name}' element {es[j]} holds {stored:G9}";
                    }
                    return failure is null;
                });
                if (failure is not null) return failure;
            }
        }
        return null;
    }

    /// <summary>The parameters that read probed source <paramref name="s"/>.</summary>
    private List<(string Name, ParameterTrace Trace)> Readers(int s)
    {
        var result = new List<(string, ParameterTrace)>();
        int start = _starts[s], end = s + 1 < _starts.Length ? _starts[s + 1] : int.MaxValue;
        foreach (var (name, trace) in _traces)
            if (trace.Strides is not null ? trace.Source == s : trace.Codes!.Any(c => c >= start && c < end))
                result.Add((name, trace));
        return result;
    }

    /// <summary>
    /// Hands (parameter positions, source elements) of <paramref name="trace"/> within source <paramref name="s"/> to
    /// <paramref name="visit"/> a chunk at a time, in the source's order where the trace is a whole transpose of it
    /// (each chunk's pages of <paramref name="file"/> dropped once visited), else in the parameter's order (the
    /// tensor's pages dropped at the end). Stops when <paramref name="visit"/> returns false.
    /// </summary>
    private void Pairs(OnnxMappedModel file, StoredTensor tensor, int s, ParameterTrace trace, Func<int[], int[], bool> visit)
    {
        int count = tensor.Length / RawElements.Size(tensor.Type), size = RawElements.Size(tensor.Type);
        try
        {
            if (trace.Strides is not null && trace.InSourceOrder(count) is { } ordered)
            {
                var ks = new int[Math.Min(ParameterTrace.Chunk, count)];
                var es = new int[ks.Length];
                for (int e = 0, n; (n = ordered.Fill(ks)) > 0; e += n)
                {
                    for (int j = 0; j < n; j++) es[j] = e + j;
                    if (!visit(n == ks.Length ? ks : ks[..n], n == es.Length ? es : es[..n])) return;
                    file.Release(tensor.Offset + (long)e * size, (long)n * size);
                }
                return;
            }
            if (trace.Strides is not null)
            {
                var walk = trace.Walk();
                var es = new int[Math.Min(ParameterTrace.Chunk, trace.Count)];
                var ks = new int[es.Length];
                for (int k = 0, n; (n = walk.Fill(es)) > 0; k += n)
                {
                    for (int j = 0; j < n; j++) ks[j] = k + j;
                    if (!visit(n == ks.Length ? ks : ks[..n], n == es.Length ? es : es[..n])) return;
                }
                return;
            }
            int first = _starts[s], end = first + count;
            var codes = trace.Codes!;
            var positions = Enumerable.Range(0, codes.Length).Where(k => codes[k] >= first && codes[k] < end).ToArray();
            visit(positions, positions.Select(k => codes[k] - first).ToArray());
        }
        finally { file.Release(tensor); }
    }

    /// <summary>
    /// Writes the file with the model's current weights to <paramref name="output"/> (atomically; never over the
    /// input); returns null on success, else a one-line reason why this way cannot write them (nothing written):
    /// an untraced element changed, tied weights now differ, a value does not fit the stored element type.
    /// </summary>
    public string? TrySave(string output, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (string.Equals(Path.GetFullPath(output), Path.GetFullPath(_file.Path), StringComparison.Ordinal)) throw new ArgumentException($"Refusing to overwrite the input {_file.Path}; choose another output");
        foreach (var (name, before) in _untracedBefore)
        {
            var now = Model[name].Contiguous().Span;
            var codes = _traces[name].Codes!;
            for (int k = 0; k < now.Length; k++)
                if (codes[k] < 0 && !now[k].Equals(before[k]))
                    return $"parameter '{name}' is computed from the file's tensors, not copied from one, so its new values have no place in the file";
        }
        // New bytes per source tensor, computed as the file is copied (one tensor at a time).
        var order = Enumerable.Range(0, _sources.Count).OrderBy(s => _sources[s].Offset).ToArray();
        try
        {
            AtomicFile.Write(output, stream =>
            {
                long position = 0;
                for (int o = 0; o < order.Length; o++)
                {
                    cancel.ThrowIfCancellationRequested();
                    int s = order[o];
                    GarbageBound.Check();
                    var source = _sources[s];
                    if (!WritePayload(s, stream, position)) continue;
                    position = source.Offset + source.Length;
                    progress?.Report(0.9 * (o + 1) / order.Length);
                }
                Copy(stream, position, _file.Length);
            }, written => Prove(written, cancel));
        }
        catch (SaveRefused e) { return e.Message; }
        progress?.Report(1);
        return null;
    }

    private void Copy(Stream stream, long from, long to)
    {
        const int Chunk = 1 << 22;
        for (long at = from; at < to; at += Chunk)
        {
            int length = (int)Math.Min(Chunk, to - at);
            stream.Write(_file.Bytes(at, length));
            _file.Release(at, length);
        }
    }

    /// <summary>
    /// Writes the new raw bytes of source <paramref name="s"/> to <paramref name="stream"/> (false, nothing written,
    /// when no parameter reads it): streamed in the source's order when one parameter is a whole transpose of it,
    /// else scattered into a copy of the tensor's bytes.
    /// </summary>
    private bool WritePayload(int s, Stream stream, long position)
    {
        var readers = Readers(s);
        if (readers.Count == 0) return false;
        var source = _sources[s];
        int size = RawElements.Size(source.Type), count = source.Length / size;
        Copy(stream, position, source.Offset);
        if (readers.Count == 1 && readers[0].Trace.InSourceOrder(count) is not null)
        {
            var (name, trace) = readers[0];
            var now = Model[name].Storage;
            var buffer = new byte[Math.Min(ParameterTrace.Chunk, count) * size];
            Pairs(_file, source, s, trace, (ks, es) =>
            {
                var v = now.Span;
                for (int j = 0; j < ks.Length; j++) RawElements.Write(source.Type, buffer, j, Checked(name, ks[j], v[ks[j]], source));
                stream.Write(buffer, 0, ks.Length * size);
                return true;
            });
            return true;
        }
        var bytes = _file.Bytes(source).ToArray();
        _file.Release(source);
        var written = new System.Collections.BitArray(count);
        foreach (var (name, trace) in readers)
        {
            var now = Model[name].Storage;
            Pairs(_file, source, s, trace, (ks, es) =>
            {
                var v = now.Span;
                for (int j = 0; j < ks.Length; j++)
                {
                    double value = Checked(name, ks[j], v[ks[j]], source);
                    int e = es[j];
                    if (written[e] && !RawElements.Read(source.Type, bytes, e).Equals(value))
                        throw new SaveRefused($"tensor '{source.Name}' feeds parameters that now differ (tied weights moved apart)");
                    written[e] = true;
                    RawElements.Write(source.Type, bytes, e, value);
                }
                return true;
            });
        }
        stream.Write(bytes);
        return true;
    }

    /// <summary>A parameter value rounded to the stored element type; refuses one that does not fit.</summary>
    private static double Checked(string name, int k, T value, StoredTensor source)
    {
        double v = RawElements.Round(source.Type, double.CreateTruncating(value));
        if (!double.IsFinite(v)) throw new SaveRefused($"parameter '{name}' element {k} ({value}) does not fit {source.Type} tensor '{source.Name}'");
        return v;
    }

    /// <summary>The written file (before it replaces anything): same structure, and every traced element reads back as the model's value.</summary>
    private void Prove(string written, CancellationToken cancel)
    {
        using var copy = OnnxMappedModel.Open(written) ?? throw new SaveRefused("the written file does not read back");
        if (!copy.Structure.Equals(_file.Structure) || copy.Stored.Count != _file.Stored.Count)
            throw new SaveRefused("the written file's graph differs from the input's");
        var index = _file.Stored.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        for (int s = 0; s < _sources.Count; s++)
        {
            cancel.ThrowIfCancellationRequested();
            GarbageBound.Check();
            var source = _sources[s];
            var back = copy.Stored[index[source]];
            if (back.Offset != source.Offset || back.Length != source.Length) throw new SaveRefused("the written file's layout differs from the input's");
            foreach (var (name, trace) in Readers(s))
            {
                var now = Model[name].Storage;
                Pairs(copy, back, s, trace, (ks, es) =>
                {
                    var bytes = copy.Bytes(back);
                    var v = now.Span;
                    for (int j = 0; j < ks.Length; j++)
                        if (!RawElements.Read(back.Type, bytes, es[j]).Equals(RawElements.Round(source.Type, double.CreateTruncating(v[ks[j]]))))
                            throw new SaveRefused($"parameter '{name}' does not read back from the written file (element {ks[j]})");
                    return true;
                });
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private sealed class SaveRefused(string message) : Exception(message);
}
