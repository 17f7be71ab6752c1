using System.Numerics;
using System.Text.Json.Nodes;
using Noether.IO.Internal;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.HuggingFace;

public static partial class HuggingFaceCheckpoint
{
    /// <summary>Files beside the weights copied to a written checkpoint (config, tokenizer, generation settings).</summary>
    private static readonly string[] s_copied = [".json", ".txt", ".model", ".tiktoken", ".jinja", ".md"];

    /// <summary>
    /// Writes <paramref name="model"/> (loaded from the checkpoint folder <paramref name="source"/>, then transformed) as a
    /// checkpoint folder <paramref name="output"/> laid out as the source: the same shards holding the same tensor names in
    /// the same element types (bfloat16 stays bfloat16), a fresh index for a sharded checkpoint, and the config and
    /// tokenizer files copied. Tensors the graph does not use (buffers) are copied byte for byte; a tied tensor is
    /// written once while its parameters are still equal; when a transform moved them apart (the derived group does not
    /// know the tie, and folding the final norm changes only lm_head), the output is untied: lm_head.weight is written as
    /// its own tensor beside the embedding and config.json says <c>"tie_word_embeddings": false</c>. RMSNorm gains folded
    /// away are written as ones. Returns a one-line note when the checkpoint was untied, else null.
    /// <para>
    /// Shards are written one at a time, each tensor converted only when the writer reaches it, into a temporary folder
    /// beside <paramref name="output"/> that is renamed into place at the end: on any error nothing is left at
    /// <paramref name="output"/> (an existing folder there is replaced only after the new one is complete).
    /// </para>
    /// </summary>
    public static string? Save<T>(Model<T> model, string source, string output, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return Write(model.Graph, name => model.Parameters.TryGetValue(name, out var t) ? t.Cast<double>() : null, model.Parameters.Keys, source, output, metadata,
            dtypes => StorageRange.RequireFits(model, name => dtypes[name], output));
    }

    /// <summary>
    /// Transforms a checkpoint a tensor at a time: every parameter of the graph the config gives (for
    /// <paramref name="sequence"/> tokens) is read from the memory-mapped shards, passed through
    /// <paramref name="move"/> (name, float64 value → new value) and written as <see cref="Save{T}"/> writes, so memory
    /// holds a few tensors, never the model (a tied tensor is moved once per parameter that shares it).
    /// Returns <see cref="Save{T}"/>'s note.
    /// </summary>
    public static string? Transform(string source, string output, Func<string, Tensor<double>, Tensor<double>> move, int? sequence = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(move);
        Graph graph;
        Dictionary<string, HfBinding> primary;
        using (var ck = HfCheckpoint.Open(source))
        {
            var layout = Layout(ck, sequence);
            graph = layout.Graph;
            primary = new(StringComparer.Ordinal);
            foreach (var b in Bindings(ck, layout)) primary.TryAdd(b.Parameter, b);
        }
        var reader = HfCheckpoint.Open(source);
        try
        {
            Tensor<double>? Moved(string name)
            {
                if (!primary.TryGetValue(name, out var b)) return null;
                // The previous tensor's float64 copies are garbage now: return them before taking more (large-object heap).
                if (reader.Entry(b.Tensor).ElementCount >= 1 << 22) ReleaseMemory();
                return move(name, b.Extract(reader.FileOf(b.Tensor).Read<double>(b.Tensor)));
            }
            return Write(graph, Moved, graph.Parameters.Select(p => p.Name).ToArray(), source, output, metadata, null);
        }
        finally { reader.Dispose(); }
    }

    /// <summary>The writer behind <see cref="Save{T}"/> and <see cref="Transform"/>: parameters come from <paramref name="valueOf"/> (null: absent).</summary>
    private static string? Write(Graph graph, Func<string, Tensor<double>?> valueOf, IEnumerable<string> parameterNames, string source, string output,
        IReadOnlyDictionary<string, string>? metadata, Action<Dictionary<string, SafetensorsDtype>>? precheck)
    {
        var full = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar);
        if (string.Equals(full, Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new ArgumentException($"Refusing to overwrite the input checkpoint {source}; choose another output folder");
        if (File.Exists(full)) throw new IOException($"{output} is a file; a checkpoint is written as a folder");
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{output} has no parent folder");
        if (!Directory.Exists(parent)) throw new DirectoryNotFoundException($"{output}: folder {parent} does not exist");

        using var ck = HfCheckpoint.Open(source);
        var sequence = graph.Inputs.Count == 1 && graph.Inputs[0].Shape.Length == 1 ? graph.Inputs[0].Shape[0] : (int?)null;
        var layout = Layout(ck, sequence);
        var bindings = Bindings(ck, layout);
        var values = Values(graph, valueOf, parameterNames, layout, bindings, output);
        var dtypes = new Dictionary<string, SafetensorsDtype>(StringComparer.Ordinal);
        foreach (var b in bindings) dtypes.TryAdd(b.Parameter, ck.Entry(b.Tensor).Dtype);
        var untied = Untied(bindings, values);
        if (untied.Count > 0)
        {
            var moved = untied.Select(b => b.Parameter).ToHashSet(StringComparer.Ordinal);
            if (untied.Any(b => ck.Contains(b.Parameter))) throw new InvalidOperationException($"{output}: tied parameters moved apart and the checkpoint already stores {untied[0].Parameter}");
            bindings = bindings.Select(b => moved.Contains(b.Parameter) ? b with { Tensor = b.Parameter } : b).ToList();
        }
        var parts = bindings.GroupBy(b => b.Tensor, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        precheck?.Invoke(dtypes);

        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.noether-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            long total = 0;
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var shard in ck.Shards)
            {
                FileCancellation.Current.ThrowIfCancellationRequested();
                var file = ck.ShardFile(shard);
                var entries = new List<SafetensorsTensor>();
                foreach (var e in file.Entries)
                {
                    total += e.ByteLength;
                    weightMap[e.Name] = shard;
                    if (parts.TryGetValue(e.Name, out var bound))
                    {
                        var name = e.Name;
                        var dtype = e.Dtype;
                        entries.Add(SafetensorsTensor.Deferred(name, dtype, e.ShapeArray(), () => StorageRange.Entry(name, Fits(Assemble(ck, name, bound, values, output), name, dtype, output), dtype)));
                        // A tensor untied from this one goes into the same shard, in the same element type.
                        foreach (var u in untied.Where(u => u.Tensor == e.Name))
                        {
                            var own = parts[u.Parameter];
                            total += e.ByteLength;
                            weightMap[u.Parameter] = shard;
                            entries.Add(SafetensorsTensor.Deferred(u.Parameter, dtype, u.TensorShape, () => StorageRange.Entry(u.Parameter, Fits(Assemble(ck, u.Parameter, own, values, output), u.Parameter, dtype, output), dtype)));
                        }
                    }
                    else
                    {
                        var (name, dtype, shape) = (e.Name, e.Dtype, e.ShapeArray());
                        entries.Add(SafetensorsTensor.Deferred(name, dtype, shape, () => SafetensorsTensor.Raw(name, dtype, shape, file.RawBytes(name).ToArray())));
                    }
                }
                var meta = new Dictionary<string, string>(file.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                foreach (var (k, v) in metadata ?? new Dictionary<string, string>()) meta[k] = v;
                SafetensorsWriter.Write(Path.Combine(temp, shard), entries, meta);
            }
            if (ck.IndexPath is not null)
            {
                var index = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["total_size"] = total },
                    ["weight_map"] = new JsonObject(weightMap.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
                };
                var bytes = new System.Text.UTF8Encoding(false).GetBytes(index.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                AtomicFile.Write(Path.Combine(temp, HfCheckpoint.IndexFile), s => s.Write(bytes));
            }
            foreach (var f in Directory.EnumerateFiles(source))
            {
                var n = Path.GetFileName(f);
                if (n == HfCheckpoint.IndexFile || !s_copied.Contains(Path.GetExtension(n).ToLowerInvariant())) continue;
                if (n == "config.json" && untied.Count > 0) WriteUntiedConfig(f, Path.Combine(temp, n));
                else File.Copy(f, Path.Combine(temp, n));
            }
            Replace(temp, full);
            return untied.Count == 0 ? null
                : $"{string.Join(", ", untied.Select(u => u.Parameter))} moved apart from the tied {untied[0].Tensor}: written as separate tensor(s), config.json now says tie_word_embeddings false";
        }
        catch
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// The second bindings of tensors bound whole to several parameters (tied weights) whose parameters now differ by
    /// more than 1e-6 relative: those parameters need tensors of their own.
    /// </summary>
    private static List<HfBinding> Untied(List<HfBinding> bindings, Dictionary<string, Func<Tensor<double>>> values)
    {
        var untied = new List<HfBinding>();
        foreach (var group in bindings.Where(b => b.Whole).GroupBy(b => b.Tensor, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var first = values[group.First().Parameter]();
            double scale = Math.Max(1e-30, first.ToArray().Max(Math.Abs));
            untied.AddRange(group.Skip(1).Where(b => values[b.Parameter]().MaxAbsDiff(first) > 1e-6 * scale));
        }
        return untied;
    }

    /// <summary>config.json with <c>tie_word_embeddings</c> false, everything else as it was.</summary>
    private static void WriteUntiedConfig(string source, string target)
    {
        var node = JsonNode.Parse(File.ReadAllText(source))!.AsObject();
        node["tie_word_embeddings"] = false;
        var bytes = new System.Text.UTF8Encoding(false).GetBytes(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.Write(target, s => s.Write(bytes));
    }

    /// <summary>A blocking, compacting collection: streaming keeps a few large tensors alive at a time, not every one it made.</summary>
    private static void ReleaseMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The values, unless a finite one would become ±∞ in <paramref name="dtype"/> (then nothing is left written).</summary>
    private static Tensor<double> Fits(Tensor<double> values, string tensor, SafetensorsDtype dtype, string output)
    {
        var span = values.Contiguous().Span;
        for (int i = 0; i < span.Length; i++)
            if (double.IsFinite(span[i]) && !double.IsFinite(StorageRange.Round(span[i], dtype)))
                throw new ValueOverflowException(output, tensor, values.ShapeArray(), i, span[i], dtype);
        return values;
    }

    /// <summary>Moves the finished folder into place; an existing folder is set aside first and removed after.</summary>
    private static void Replace(string temp, string output)
    {
        if (!Directory.Exists(output)) { Directory.Move(temp, output); return; }
        var old = $"{temp}.old";
        Directory.Move(output, old);
        try { Directory.Move(temp, output); }
        catch { Directory.Move(old, output); throw; }
        Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// The value of every bound parameter: the model's, or ones for an RMSNorm gain folded away (the model's node has no
    /// gain). Parameters the layout does not know are refused: the model must be the checkpoint's graph.
    /// </summary>
    private static Dictionary<string, Func<Tensor<double>>> Values(Graph graph, Func<string, Tensor<double>?> valueOf, IEnumerable<string> parameterNames,
        HfLayout layout, List<HfBinding> bindings, string output)
    {
        var present = parameterNames.ToHashSet(StringComparer.Ordinal);
        var values = new Dictionary<string, Func<Tensor<double>>>(StringComparer.Ordinal);
        var info = layout.Graph.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var b in bindings.DistinctBy(b => b.Parameter))
        {
            var p = info[b.Parameter];
            if (present.Contains(b.Parameter))
            {
                var shape = graph.Parameters.FirstOrDefault(q => q.Name == p.Name)?.Shape ?? p.Shape;
                if (!Shapes.Equal(shape, p.Shape))
                    throw new ShapeMismatchException($"{output}: parameter '{p.Name}'", "differs from the checkpoint's", shape, p.Shape);
                values[p.Name] = () => valueOf(p.Name) ?? throw new InvalidOperationException($"{output}: parameter '{p.Name}' has no value");
            }
            else if (graph.Nodes.FirstOrDefault(n => n.Name == p.NodeName)?.Op is RmsNormOp { Affine: false })
                values[p.Name] = () => Tensor<double>.Ones(p.Shape);
            else throw new ArgumentException($"{output}: the model has no parameter '{p.Name}' {Shapes.Format(p.Shape)}, which the checkpoint stores; it is not the graph of this checkpoint");
        }
        var known = bindings.Select(b => b.Parameter).ToHashSet(StringComparer.Ordinal);
        var extra = present.Where(k => !known.Contains(k)).Take(3).ToArray();
        if (extra.Length > 0) throw new ArgumentException($"{output}: parameters {string.Join(", ", extra)} of the model have no place in the checkpoint's tensors");
        return values;
    }

    /// <summary>
    /// One stored tensor rebuilt from the parameters bound to it, over the source's values (so a region no parameter
    /// covers keeps them). A tensor two parameters share whole (tied embeddings) must be the same in both.
    /// </summary>
    private static Tensor<double> Assemble(HfCheckpoint ck, string tensor, HfBinding[] bound, Dictionary<string, Func<Tensor<double>>> values, string output)
    {
        if (bound is [{ Whole: true } only]) return values[only.Parameter]();
        var whole = bound.Where(b => b.Length < 0).ToArray();
        var stored = whole.Length > 0 && bound.Length == whole.Length ? Tensor<double>.Zeros(bound[0].TensorShape) : ck.FileOf(tensor).Read<double>(tensor);
        HfBinding? first = null;
        Tensor<double>? firstValue = null;
        foreach (var b in bound)
        {
            var v = values[b.Parameter]();
            if (b.Length < 0 && first is not null)
            {
                var shown = b.Transpose ? v.Transpose().Contiguous() : v;
                double scale = Math.Max(1e-30, firstValue!.ToArray().Max(Math.Abs));
                double apart = shown.MaxAbsDiff(firstValue);
                if (apart > 1e-6 * scale)
                    throw new InvalidOperationException($"{output}: parameters '{first.Parameter}' and '{b.Parameter}' share the checkpoint's tensor '{tensor}' (tied weights) but now differ by {apart:G3}; the checkpoint cannot hold them");
                continue;
            }
            b.Insert(stored, v);
            if (b.Length < 0) { first = b; firstValue = b.Transpose ? v.Transpose().Contiguous() : v; }
        }
        return stored;
    }
}
