using Onnx;

namespace Noether.IO;

/// <summary>
/// Gives every consumer of a shared float initializer its own copy, and ties copies back that still hold their
/// original's values. Exporters deduplicate equal tensors (PyTorch stores two LayerNorm gains of ones once); a
/// symmetry transform may move the two apart, and then the file needs two tensors to say so.
/// </summary>
internal static class Untying
{
    /// <summary>One copy: its name, the initializer it copies, and the node inputs (node index, input index) it feeds.</summary>
    internal sealed record Copy(string Name, string Original, IReadOnlyList<(int Node, int Input)> Readers);

    /// <summary>A clone of <paramref name="model"/> where each float initializer read by several node inputs of the main graph is copied for every reader after the first.</summary>
    internal static (ModelProto Model, IReadOnlyList<Copy> Copies) Split(ModelProto model)
    {
        var result = model.Clone();
        var g = result.Graph ?? new GraphProto();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in g.Initializer) taken.Add(t.Name);
        foreach (var v in g.Input.Concat(g.Output).Concat(g.ValueInfo)) taken.Add(v.Name);
        foreach (var n in g.Node) foreach (var o in n.Output) taken.Add(o);
        var readers = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
        for (int i = 0; i < g.Node.Count; i++)
            for (int k = 0; k < g.Node[i].Input.Count; k++)
                (readers.TryGetValue(g.Node[i].Input[k], out var l) ? l : readers[g.Node[i].Input[k]] = []).Add((i, k));
        var copies = new List<Copy>();
        foreach (var t in g.Initializer.ToList())
        {
            if (!OnnxWriteBack.IsFloat(t) || !readers.TryGetValue(t.Name, out var slots) || slots.Count < 2) continue;
            var declared = g.Input.FirstOrDefault(v => v.Name == t.Name);
            for (int c = 1; c < slots.Count; c++)
            {
                var name = CopyName(t.Name, c, taken);
                var copy = t.Clone();
                copy.Name = name;
                g.Initializer.Add(copy);
                if (declared is not null) { var d = declared.Clone(); d.Name = name; g.Input.Add(d); }
                var (node, input) = slots[c];
                g.Node[node].Input[input] = name;
                copies.Add(new Copy(name, t.Name, [slots[c]]));
            }
        }
        return (result, copies);
    }

    /// <summary>
    /// Removes every copy whose values equal its original's (the reader reads the original again); returns the
    /// originals that still have a copy.
    /// </summary>
    internal static IReadOnlyList<string> TieBack(ModelProto model, IReadOnlyList<Copy> copies)
    {
        var g = model.Graph;
        var byName = g.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var still = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var copy in copies)
        {
            var same = byName[copy.Name].Clone();
            same.Name = copy.Original;
            if (!same.Equals(byName[copy.Original])) { still.Add(copy.Original); continue; }
            g.Initializer.Remove(byName[copy.Name]);
            var declared = g.Input.FirstOrDefault(v => v.Name == copy.Name);
            if (declared is not null) g.Input.Remove(declared);
            foreach (var (node, input) in copy.Readers) g.Node[node].Input[input] = copy.Original;
        }
        return still.ToArray();
    }

    /// <summary>
    /// A fresh name the importer reads as owned by the same layer: "h.0.ln_1.weight" → "h.0.ln_1.weight_untied1"
    /// (owner "h.0.ln_1" kept), "pos_embed" → "pos_embed.untied1" (owner "pos_embed" kept).
    /// </summary>
    private static string CopyName(string original, int copy, HashSet<string> taken)
    {
        string separator = original.LastIndexOf('.') > 0 ? "_" : ".";
        var name = $"{original}{separator}untied{copy}";
        for (int k = 2; !taken.Add(name); k++) name = $"{original}{separator}untied{copy}_{k}";
        return name;
    }
}
