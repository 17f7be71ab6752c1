using System.Numerics;
using Noether.IO.Internal;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO.HuggingFace;

/// <summary>
/// Hugging Face checkpoint folders (<c>config.json</c> + <c>model.safetensors</c>, or shards and
/// <c>model.safetensors.index.json</c>) as models: the graph IR is built from the config (GPT-2, Llama incl. Llama 3
/// grouped-query attention and rope scaling, Mistral, Qwen2; see <see cref="KnownArchitectures"/>), the weights are read
/// from the memory-mapped shards a tensor at a time, in float32, float16 or bfloat16. The graph's input is
/// <c>input_ids</c> [S] (token ids as exact floats), its output the logits [S, vocab].
/// Parameters keep the checkpoint's tensor names wherever a tensor is stored as it is, so <see cref="Save{T}"/> writes a
/// checkpoint back with the same names, element types and sharding.
/// </summary>
public static partial class HuggingFaceCheckpoint
{
    /// <summary>The sequence length a graph is built for when none is given (capped at the model's positions).</summary>
    public const int DefaultSequence = 16;

    /// <summary>The <c>architectures</c> entries understood.</summary>
    public static IReadOnlyList<string> KnownArchitectures => HfFamilies.Known;

    /// <summary>True when <paramref name="path"/> is a folder holding a <c>config.json</c>.</summary>
    public static bool IsCheckpoint(string path) => HfCheckpoint.IsCheckpoint(path);

    /// <summary>
    /// Loads a checkpoint folder as a model for sequences of <paramref name="sequence"/> tokens (default
    /// <see cref="DefaultSequence"/>, at most the model's positions). With <paramref name="mapped"/>, tensors stored as
    /// <typeparamref name="T"/> and bound as they are become copy-on-write views of the mapped shards (no copy).
    /// Bad input — a missing shard, an index naming tensors a shard lacks, tensors whose shapes the config does not
    /// give, a truncated shard — throws one line naming the file and the tensor.
    /// </summary>
    public static Model<T> Load<T>(string folder, int? sequence = null, bool mapped = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var ck = HfCheckpoint.Open(folder);
        var layout = Layout(ck, sequence);
        var bindings = Bindings(ck, layout);
        var own = SafetensorsDtypes.FromElementKind(ElementTypes.RequireKindOf<T>("HuggingFaceCheckpoint.Load"));
        var primary = new Dictionary<string, HfBinding>(StringComparer.Ordinal);
        foreach (var b in bindings) primary.TryAdd(b.Parameter, b);
        var tensors = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        var cancel = FileCancellation.Current;
        // Tied parameters read one tensor: only the first may be a view of it, or a transform in place would move it twice.
        var viewed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in layout.Graph.Parameters)
        {
            cancel.ThrowIfCancellationRequested();
            var b = primary[p.Name];
            var file = ck.FileOf(b.Tensor);
            bool view = mapped && b.Whole && file.GetEntry(b.Tensor).Dtype == own && BitConverter.IsLittleEndian && viewed.Add(b.Tensor);
            var stored = view ? file.ReadView<T>(b.Tensor) : file.Read<T>(b.Tensor);
            var t = b.Extract(stored);
            if (!Shapes.Equal(t.Shape, p.Shape))
                throw new ShapeMismatchException($"{file.Path}: tensor '{b.Tensor}'", $"gives parameter '{p.Name}' a shape other than the config's", t.ShapeArray(), p.Shape);
            if (ParameterValues.Violation(p, t.Span) is { } why) throw new InvalidDataException(ModelFormatException.Escape($"{file.Path}: tensor '{b.Tensor}': {why}"));
            tensors[p.Name] = t;
        }
        return new Model<T>(layout.Graph, tensors);
    }

    /// <summary>
    /// The graph a checkpoint's config gives, for sequences of <paramref name="sequence"/> tokens, with every tensor it
    /// needs checked against the files (present, shaped as the config says, floating point) but none read.
    /// </summary>
    public static Graph LoadGraph(string folder, int? sequence = null)
    {
        using var ck = HfCheckpoint.Open(folder);
        var layout = Layout(ck, sequence);
        Bindings(ck, layout);
        return layout.Graph;
    }

    /// <summary>
    /// The element type the weights are stored in: <c>float32</c>, <c>float16</c>, <c>bfloat16</c>, <c>float64</c> or
    /// <c>mixed</c> (over the floating-point tensors of every shard).
    /// </summary>
    public static string StoredElementType(string folder)
    {
        using var ck = HfCheckpoint.Open(folder);
        var types = ck.Shards.SelectMany(s => ck.ShardFile(s).Entries).Select(e => e.Dtype switch
        {
            SafetensorsDtype.F64 => "float64", SafetensorsDtype.F16 => "float16", SafetensorsDtype.BF16 => "bfloat16", SafetensorsDtype.F32 => "float32", _ => null,
        }).OfType<string>().Distinct().ToArray();
        return types.Length switch { 0 => "float32", 1 => types[0], _ => "mixed" };
    }

    /// <summary>A one-line description: architecture, files, element type (for summaries and errors).</summary>
    public static string Describe(string folder)
    {
        using var ck = HfCheckpoint.Open(folder);
        return $"{ck.Config.Architecture} checkpoint, {ck.TensorNames.Count} tensors in {ck.Shards.Count} file(s)";
    }

    /// <summary>The layout the config gives, its errors reported against config.json.</summary>
    private static HfLayout Layout(HfCheckpoint ck, int? sequence)
    {
        int positions = ck.Config.Has("n_positions") ? ck.Config.Int("n_positions") : ck.Config.Has("max_position_embeddings") ? ck.Config.Int("max_position_embeddings") : int.MaxValue;
        int s = sequence ?? Math.Min(DefaultSequence, positions);
        if (s < 1) throw new ArgumentException($"{ck.Folder}: a sequence needs at least one token, got {s}");
        try
        {
            var layout = HfFamilies.Build(ck.Config, s, ck.TensorNames.ToHashSet(StringComparer.Ordinal));
            var g = layout.Graph;
            // The sequence length is a size the caller chose: name it, as the ONNX importer names pinned sizes.
            var input = g.Inputs[0] with { Symbols = [ModelFiles.SequenceSymbol] };
            return layout with { Graph = new Graph([input], g.Nodes, g.Outputs, g.Name) };
        }
        catch (ArgumentException e) when (e is not ShapeMismatchException)
        {
            throw new InvalidDataException(ModelFormatException.Escape($"{ck.Config.Path}: the config does not describe a valid {ck.Config.Architecture}: {e.Message}"), e);
        }
    }

    /// <summary>
    /// The layout's bindings checked against the files (every bound tensor present with the config's shape and a
    /// floating-point type, every stored tensor bound or ignorable), plus a binding for each tied tensor the file
    /// also stores separately.
    /// </summary>
    private static List<HfBinding> Bindings(HfCheckpoint ck, HfLayout layout)
    {
        var bindings = layout.Bindings.ToList();
        var boundTensors = bindings.Select(b => b.Tensor).ToHashSet(StringComparer.Ordinal);
        var parameters = layout.Graph.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in ck.TensorNames.Order(StringComparer.Ordinal))
        {
            if (boundTensors.Contains(name) || layout.Ignorable(name)) continue;
            var e = ck.Entry(name);
            // A tied tensor the file stores under its own name too (lm_head.weight beside the embedding).
            if (parameters.TryGetValue(name, out var p) && Shapes.Equal(e.ShapeArray(), p.Shape))
            {
                bindings.Add(new HfBinding(name, name, p.Shape));
                continue;
            }
            throw new InvalidDataException(ModelFormatException.Escape(
                $"{ck.FileOf(name).Path}: tensor '{name}' {SafetensorsHeader.Format(e.ShapeArray())} is not a parameter of the {layout.Architecture} that {Path.GetFileName(ck.Config.Path)} describes ({Summary(layout.Graph)})"));
        }
        foreach (var b in bindings)
        {
            if (!ck.Contains(b.Tensor))
                throw new InvalidDataException(ModelFormatException.Escape(
                    $"{ck.WeightsPath}: tensor '{b.Tensor}' {SafetensorsHeader.Format(b.TensorShape)}, which {Path.GetFileName(ck.Config.Path)} requires, is not stored"));
            var e = ck.Entry(b.Tensor);
            if (!e.Shape.SequenceEqual(b.TensorShape))
                throw new InvalidDataException(ModelFormatException.Escape(
                    $"{ck.FileOf(b.Tensor).Path}: tensor '{b.Tensor}' has shape {SafetensorsHeader.Format(e.ShapeArray())} but {Path.GetFileName(ck.Config.Path)} ({Summary(layout.Graph)}) gives {SafetensorsHeader.Format(b.TensorShape)}"));
            if (e.Dtype is not (SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.F64))
                throw new InvalidDataException(ModelFormatException.Escape($"{ck.FileOf(b.Tensor).Path}: tensor '{b.Tensor}' is stored as {e.Dtype.ToHeaderName()}; weights must be F32, F16, BF16 or F64"));
        }
        return bindings;
    }

    /// <summary>Layers, width and vocabulary of a built graph, for messages.</summary>
    private static string Summary(Graph g)
    {
        var embedding = g.Nodes.Select(n => n.Op).OfType<Nn.Operations.EmbeddingOp>().FirstOrDefault();
        int attention = g.Nodes.Count(n => n.Op is Nn.Operations.AttentionOp);
        return embedding is null ? $"{attention} layers" : $"{attention} layers, width {embedding.Dim}, vocabulary {embedding.Vocab}";
    }
}
