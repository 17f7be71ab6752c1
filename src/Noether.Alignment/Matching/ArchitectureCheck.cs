using Noether.Nn;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>Refuses to align or merge models whose parameters differ in names or shapes, naming the first difference.</summary>
public static class ArchitectureCheck
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the first parameter that differs (and both shapes).</summary>
    public static void RequireSame(Model<double> a, Model<double> b, string nameA = "A", string nameB = "B")
    {
        var pa = a.Graph.Parameters;
        var pb = b.Graph.Parameters.ToDictionary(p => p.Name);
        foreach (var p in pa)
        {
            if (!pb.TryGetValue(p.Name, out var q))
                throw new ArgumentException($"{nameB} has no parameter '{p.Name}' (shape {Shapes.Format(p.Shape)} in {nameA}): the architectures differ");
            if (!p.Shape.SequenceEqual(q.Shape))
                throw new ArgumentException($"Parameter '{p.Name}' is {Shapes.Format(p.Shape)} in {nameA} but {Shapes.Format(q.Shape)} in {nameB}: the architectures differ");
        }
        var extra = b.Graph.Parameters.FirstOrDefault(q => !pa.Any(p => p.Name == q.Name));
        if (extra is not null)
            throw new ArgumentException($"{nameA} has no parameter '{extra.Name}' (shape {Shapes.Format(extra.Shape)} in {nameB}): the architectures differ");
        var na = a.Graph.Nodes.Select(n => n.Op.Describe()).ToArray();
        var nb = b.Graph.Nodes.Select(n => n.Op.Describe()).ToArray();
        for (int i = 0; i < Math.Min(na.Length, nb.Length); i++)
            if (na[i] != nb[i]) throw new ArgumentException($"Node {i} is {na[i]} in {nameA} but {nb[i]} in {nameB}: the architectures differ");
        if (na.Length != nb.Length) throw new ArgumentException($"{nameA} has {na.Length} nodes but {nameB} has {nb.Length}: the architectures differ");
    }
}
