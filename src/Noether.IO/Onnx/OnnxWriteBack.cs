using System.Numerics;
using Noether.Nn;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Writes a model that was read from an .onnx file back into a copy of that file, changing only tensor values: graph,
/// node, input and output names, declared shapes (a static batch stays static), opset, metadata and doc strings stay
/// as they were. Each changed element of an IR parameter is traced to the element of the initializer (or Constant)
/// it was copied from — through any transposes, reshapes and slices the importer applied — by importing a probe copy
/// of the file whose float tensors hold distinct marker values. Where an element cannot be traced (it was computed
/// from several values, e.g. a fused scale), where two parameters tied to one tensor now differ, or where the graph
/// itself changed, nothing is written and the reason comes back, so the caller can fall back to
/// <see cref="OnnxExporter"/>.
/// </summary>
public static class OnnxWriteBack
{
    /// <summary>
    /// Writes <paramref name="updated"/> to <paramref name="output"/> as the file <paramref name="original"/> with
    /// new weights; returns null on success, else a one-line reason why the file could not be kept (nothing written).
    /// </summary>
    public static string? TrySave<T>(string original, Model<T> updated, string output) where T : unmanaged, IFloatingPointIeee754<T>
        => TrySave(original, updated, output, out _);

    /// <summary>
    /// As <see cref="TrySave{T}(string, Model{T}, string)"/>; <paramref name="untied"/> names the initializers that fed
    /// several parameters which now differ, so the written file holds one copy per consumer (see <see cref="Untying"/>).
    /// </summary>
    public static string? TrySave<T>(string original, Model<T> updated, string output, out IReadOnlyList<string> untied)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(updated);
        var proto = OnnxFile.ReadModel(original, out var external);
        // The proto is ours (read just now): its tensors are changed in place rather than in a copy of the file.
        var (result, reason) = TryUpdate(proto, updated as Model<double> ?? updated.Cast<double>(), original, out untied, inPlace: true);
        if (result is null) return reason;
        if (external.Count > 0) OnnxExternalData.Write(result, output, ExternalFiles(original));
        else if (result.CalculateSize() is var size && (size < 0 || size > OnnxFile.MaxProtobufBytes))
            return "the weights no longer fit in one protobuf file (2 GiB); nothing written";
        else OnnxFile.WriteModel(output, result);
        return null;
    }

    /// <summary>The input model and the external data files it reads (never to be replaced by an output).</summary>
    private static IEnumerable<string> ExternalFiles(string original)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(original))!;
        var locations = OnnxExternalData.Tensors(OnnxFile.ReadStructure(original))
            .SelectMany(t => t.ExternalData.Where(e => e.Key == "location").Select(e => e.Value)).Distinct();
        return locations.Select(l => ConfinedPath.Resolve(folder, l, out _)).OfType<string>().Prepend(Path.GetFullPath(original)).ToArray();
    }

    /// <summary>The file with the new weights, or null and the reason it cannot be written this way.</summary>
    internal static (ModelProto? Model, string? Reason) TryUpdate(ModelProto original, Model<double> updated, string source)
        => TryUpdate(original, updated, source, out _);

    /// <summary>
    /// As above; where one initializer feeds several parameters that now differ (an exporter deduplicated equal
    /// tensors, such as two LayerNorm gains of ones, and a transform moved them apart), each consumer gets its own
    /// copy and <paramref name="untied"/> names the tensors split that way. Copies still equal to their original are
    /// tied back, so a tie the transform kept stays one tensor. With <paramref name="inPlace"/>, the tensors of
    /// <paramref name="original"/> are changed rather than a copy's: it then holds the result or, when a reason comes
    /// back, its own values again (unless the written file failed its proof).
    /// </summary>
    internal static (ModelProto? Model, string? Reason) TryUpdate(ModelProto original, Model<double> updated, string source,
        out IReadOnlyList<string> untied, bool inPlace = false)
    {
        untied = [];
        var (model, reason) = TryUpdateAsIs(original, updated, source, inPlace: inPlace);
        if (model is not null || reason is null || !reason.Contains(TiedApart, StringComparison.Ordinal)) return (model, reason);
        var split = Untying.Split(original);
        if (split.Copies.Count == 0) return (null, reason);
        var options = new OnnxImportOptions { InitializerAliases = split.Copies.ToDictionary(c => c.Name, c => c.Original) };
        var (written, why) = TryUpdateAsIs(split.Model, updated, source, options, inPlace: true);
        if (written is null) return (null, $"{reason}; with one copy per consumer: {why}");
        untied = Untying.TieBack(written, split.Copies);
        return (written, null);
    }

    private const string TiedApart = "tied weights moved apart";

    private static (ModelProto? Model, string? Reason) TryUpdateAsIs(ModelProto original, Model<double> updated, string source,
        OnnxImportOptions? options = null, bool inPlace = false)
    {
        // Three passes, each with one imported model in memory (a model of hundreds of megabytes is imported as
        // several times its size): which elements changed (the file's own import), where they come from (a probe:
        // the file's tensors hold markers for one import, then their values again), and the proof (the written
        // file's import). Values are kept in their stored precision, one bit per element records which were written.
        var before = OnnxImporter.Import<double>(original, source, options: options);
        string graphJson = GraphJson.Serialize(before.Graph);
        if (GraphJson.Serialize(updated.Graph) != graphJson)
            return (null, "the graph changed (a structural transform), so its initializers no longer describe it");
        var names = updated.Parameters.Keys.Order(StringComparer.Ordinal).ToArray();
        var changed = new System.Collections.BitArray?[names.Length];
        for (int p = 0; p < names.Length; p++)
        {
            var was = before[names[p]].Contiguous().Span;
            var now = updated[names[p]].Contiguous().Span;
            for (int k = 0; k < now.Length; k++)
                if (!now[k].Equals(was[k])) (changed[p] ??= new System.Collections.BitArray(now.Length))[k] = true;
        }
        // Rotary tables hold markers in the probe: the fusion takes the embeddings the real import found.
        var rotary = before.Graph.Nodes.Where(n => n.Op is Nn.Operations.AttentionOp { Rotary: not null })
            .ToDictionary(n => n.Name, n => ((Nn.Operations.AttentionOp)n.Op).Rotary!);
        before = null!;
        if (changed.All(c => c is null)) return (inPlace ? original : original.Clone(), null);
        Compact();

        var output = inPlace ? original : original.Clone();
        var sources = Sources(output);
        var values = sources.Select(t => StoredValues.Decode(t, source)).ToArray();
        var offsets = new int[sources.Count + 1];
        for (int s = 0; s < sources.Count; s++) offsets[s + 1] = checked(offsets[s] + values[s].Length);
        var probeOptions = rotary.Count == 0 ? options : (options ?? OnnxImportOptions.Default) with { KnownRotary = rotary };
        var trace = Probe(output, sources, values, offsets, source, graphJson, probeOptions, out var probeFailure);
        if (trace is null) return (null, probeFailure);
        Compact();
        var written = values.Select(v => new System.Collections.BitArray(v.Length)).ToArray();
        string TiedPair(int s, int i, int p) // the error path: which other parameter wrote this element
        {
            for (int q = 0; q < names.Length; q++)
                if (q != p && changed[q] is { } moved && Array.IndexOf(trace(names[q]), offsets[s] + i) is var k and >= 0 && moved[k])
                    return $"tensor '{sources[s].Name}' feeds parameters '{names[q]}' and '{names[p]}', which now differ ({TiedApart})";
            return $"tensor '{sources[s].Name}' feeds parameter '{names[p]}' twice, at elements that now differ ({TiedApart})";
        }
        for (int p = 0; p < names.Length; p++)
        {
            if (changed[p] is not { } moved) continue;
            string name = names[p];
            var m = trace(name);
            var now = updated[name].Contiguous().Span;
            for (int k = 0; k < now.Length; k++)
            {
                if (!moved[k]) continue;
                if (m[k] < 0) return (null, $"parameter '{name}' is computed from the file's tensors, not copied from one, so its new values have no place in the file");
                var (s, i) = Locate(offsets, m[k]);
                if (written[s][i] && values[s].Differs(i, now[k])) return (null, TiedPair(s, i, p));
                written[s][i] = true;
                values[s].Set(i, now[k]);
            }
        }
        // A tensor element that feeds an unchanged parameter too (tied weights) must have moved with it.
        for (int p = 0; p < names.Length; p++)
        {
            string name = names[p];
            var m = trace(name);
            var now = updated[name].Contiguous().Span;
            for (int k = 0; k < now.Length; k++)
            {
                if (m[k] < 0) continue;
                var (s, i) = Locate(offsets, m[k]);
                if (written[s][i] && values[s].Differs(i, now[k])) return (null, TiedPair(s, i, p));
            }
        }
        trace = null;
        for (int s = 0; s < written.Length; s++)
            if (written[s].HasAnySet()) values[s].Encode(sources[s]);
        written = null!;
        values = null!;
        Compact();
        // The proof: the written file imports as the updated model (up to the storage precision).
        var check = OnnxImporter.Import<double>(output, source, options: options);
        if (GraphJson.Serialize(check.Graph) != graphJson) return (null, "the written file imports as a different graph");
        foreach (var (name, after) in updated.Parameters)
        {
            var got = check[name].Contiguous().Span;
            var want = after.Contiguous().Span;
            for (int k = 0; k < got.Length; k++)
                if (Math.Abs(got[k] - want[k]) > 1e-3 * Math.Max(Math.Abs(want[k]), 1e-30) && !(double.IsNaN(got[k]) && double.IsNaN(want[k])))
                    return (null, $"parameter '{name}' does not read back from the written file (element {k}: {got[k]:G6} instead of {want[k]:G6})");
        }
        return (output, null);
    }

    /// <summary>Returns the memory of a pass's imported model before the next pass imports another.</summary>
    private static void Compact()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The float tensors of the main graph that can hold weights: initializers and Constant values, in file order.</summary>
    private static List<TensorProto> Sources(ModelProto model)
    {
        var g = model.Graph ?? new GraphProto();
        var list = g.Initializer.Where(IsFloat).ToList();
        foreach (var n in g.Node.Where(n => n.OpType == "Constant" && n.Domain is "" or "ai.onnx"))
            foreach (var a in n.Attribute.Where(a => a.Name == "value" && a.T is not null && IsFloat(a.T)))
                list.Add(a.T);
        return list;
    }

    /// <summary>The value name of each of <see cref="Sources"/> (initializer name, or the Constant's output).</summary>
    internal static List<string> SourceNames(ModelProto model)
    {
        var g = model.Graph ?? new GraphProto();
        var list = g.Initializer.Where(IsFloat).Select(t => t.Name).ToList();
        foreach (var n in g.Node.Where(n => n.OpType == "Constant" && n.Domain is "" or "ai.onnx"))
            foreach (var a in n.Attribute.Where(a => a.Name == "value" && a.T is not null && IsFloat(a.T)))
                list.Add(n.Output.FirstOrDefault() ?? "");
        return list;
    }

    /// <summary>
    /// Float inputs that steer an op rather than hold weights (Resize's roi and scales, Pad's value, Clip's bounds,
    /// Range's limits): never parameters, and a marker there would change the graph (a scale of 1.001… is a new size).
    /// </summary>
    internal static HashSet<string> ControlInputs(ModelProto model)
    {
        var positions = new Dictionary<string, int[]>
        {
            ["Resize"] = [1, 2, 3], ["Upsample"] = [1], ["Pad"] = [1, 2, 3], ["Clip"] = [1, 2], ["Range"] = [0, 1, 2],
            ["ConstantOfShape"] = [0], ["Dropout"] = [1], ["Reshape"] = [1], ["Expand"] = [1], ["Tile"] = [1],
        };
        var result = new HashSet<string>(StringComparer.Ordinal);
        var graph = model.Graph ?? new GraphProto();
        foreach (var n in graph.Node)
            if (n.Domain is "" or "ai.onnx" && positions.TryGetValue(n.OpType, out var at))
                foreach (int i in at)
                    if (i < n.Input.Count && n.Input[i].Length > 0) result.Add(n.Input[i]);
        // Whatever a Where's condition is computed from (a causal-mask buffer, sliced and compared) only steers:
        // markers there would change the mask, and with it the graph the importer recognises.
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var n in graph.Node) foreach (var o in n.Output) if (o.Length > 0) producers[o] = n;
        var pending = new Stack<string>(graph.Node.Where(n => n.OpType == "Where" && n.Input.Count > 0).Select(n => n.Input[0]));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var v = pending.Pop();
            if (!seen.Add(v)) continue;
            result.Add(v);
            // Shape and Size read only the sizes of their input, not its values.
            if (producers.TryGetValue(v, out var p) && p.OpType is not ("Shape" or "Size"))
                foreach (var i in p.Input) if (i.Length > 0) pending.Push(i);
        }
        return result;
    }

    /// <summary>Float tensors that can hold weights (float32, float64, float16).</summary>
    internal static bool IsFloat(TensorProto t) => (DataType)t.DataType is DataType.Float or DataType.Double or DataType.Float16;

    // ---- the probe: distinct markers in every float tensor of more than one finite element -------------------------

    internal const int F32Base = 0x3F800000; // 1.0f: marker c is the float with bits 1.0f + c (≥ 1, positive)
    internal const ushort F16Base = 0x3C00;  // 1.0 as half: marker c is −(half with bits 1.0 + c) (≤ −1, negative)
    private const int F16Capacity = 0x7BFF - F16Base;

    /// <summary>
    /// Imports the file with markers in its probed tensors (<paramref name="sources"/> of <paramref name="model"/>,
    /// whose values are put back afterwards); returns, per IR parameter, the global element number (tensor offset +
    /// index) each element was copied from, −1 when it is not a copy of a probed element. Null with a reason when the
    /// probe cannot be imported as the same graph.
    /// </summary>
    private static Func<string, int[]>? Probe(ModelProto model, List<TensorProto> sources, StoredValues[] values, int[] offsets, string source,
        string graphJson, OnnxImportOptions? options, out string failure)
    {
        failure = "";
        var names = SourceNames(model);
        var control = ControlInputs(model);
        // Probed tensor s holds markers [start, start + length) of its family (float32 markers, or half markers).
        // Every tensor given markers gets its values back, whatever happens (a range is listed before it is written).
        var ranges = new List<(int Start, int Length, bool Half, int Source)>();
        int next32 = 0, next16 = 0;
        Model<double> probed;
        try
        {
            for (int s = 0; s < sources.Count; s++)
            {
                var v = values[s];
                if (v.Length <= 1 || !v.AllFinite() || control.Contains(names[s])) continue;
                bool half = (DataType)sources[s].DataType == DataType.Float16;
                if (half ? next16 + v.Length > F16Capacity : (long)next32 + v.Length > 0x7F7FFFFF - F32Base) continue;
                ranges.Add((half ? next16 : next32, v.Length, half, s));
                StoredValues.EncodeMarkers(sources[s], half ? next16 : next32, v.Length, half);
                if (half) next16 += v.Length; else next32 += v.Length;
            }
            probed = OnnxImporter.Import<double>(model, source, options: options);
        }
        catch (OnnxImportException e) { failure = $"the file cannot be traced (a probe copy does not import: {OneLine.Of(e.Message, 200)})"; return null; }
        finally { foreach (var r in ranges) values[r.Source].Encode(sources[r.Source]); }
        if (GraphJson.Serialize(probed.Graph) != graphJson) { failure = "the file cannot be traced (the importer reads a probe copy as a different graph)"; return null; }
        return name =>
        {
            var v = probed[name].Contiguous().Span;
            var result = new int[v.Length];
            for (int i = 0; i < v.Length; i++) result[i] = Marker(v[i], ranges, next16 > 0, offsets);
            return result;
        };
    }

    /// <summary>The global element number a marker value names, or −1 when the value is no marker.</summary>
    private static int Marker(double v, List<(int Start, int Length, bool Half, int Source)> ranges, bool halves, int[] offsets)
    {
        int c; bool half;
        if (v > 0)
        {
            float f = (float)v;
            if ((double)f != v) return -1;
            c = BitConverter.SingleToInt32Bits(f) - F32Base;
            half = false;
        }
        else if (v < 0 && halves)
        {
            var h = (Half)(-v);
            if ((double)h != -v) return -1;
            c = BitConverter.HalfToUInt16Bits(h) - F16Base;
            half = true;
        }
        else return -1;
        if (c < 0) return -1;
        foreach (var (start, length, isHalf, s) in ranges)
            if (isHalf == half && c >= start && c < start + length) return offsets[s] + (c - start);
        return -1;
    }

    /// <summary>(tensor, element) of a global element number.</summary>
    private static (int Source, int Element) Locate(int[] offsets, int global)
    {
        int s = Array.BinarySearch(offsets, global);
        if (s < 0) s = ~s - 1;
        while (s + 1 < offsets.Length - 1 && offsets[s + 1] == global) s++;
        return (s, global - offsets[s]);
    }
}
