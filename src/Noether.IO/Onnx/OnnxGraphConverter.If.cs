using Noether.Tensors;
using Onnx;

namespace Noether.IO;

/// <summary>
/// If with a condition known at import time (shape checks, export-time flags): the chosen branch's nodes are
/// converted in place of the If, their values renamed so they cannot collide with the outer graph's names.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private void If()
    {
        var condition = Raw(0) switch
        {
            ConstValue c when !c.DependsOnBatch => c,
            ConstValue => throw Fail(OnnxImportError.UnsupportedVariant, "the condition depends on the batch size; only an If whose condition folds to a constant can be imported"),
            null => throw Malformed("the condition is missing"),
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"the condition '{_node.Input[0]}' is computed at run time; only an If whose condition folds to a constant can be imported"),
        };
        if (Shapes.Size(condition.Shape) != 1) throw Malformed($"the condition has shape {Shapes.Format(condition.Shape)}; it must hold one element");
        string which = condition.Values[0] != 0 ? "then_branch" : "else_branch";
        var branch = Attr(which)?.G ?? throw Malformed($"{which} is missing");
        if (branch.Output.Count != _node.Output.Count)
            throw Malformed($"{which} has {branch.Output.Count} outputs, the node {_node.Output.Count}");
        var unknown = branch.Node.Where(n => !(n.Domain is "" or "ai.onnx") || !_handlers.ContainsKey(n.OpType)).Select(n => n.OpType).Distinct().ToArray();
        if (unknown.Length > 0)
            throw Fail(OnnxImportError.UnsupportedOp, $"{which} uses unsupported ONNX op type(s): {string.Join(", ", unknown)}");
        var renamed = RenameBranch(branch, $"{BaseName()}/{which}");
        foreach (var t in renamed.Initializer) _values[t.Name] = new ConstValue(OnnxTensors.Decode(t, _source, _options.MaxTensorBytes));
        var ifNode = _node;
        foreach (var n in renamed.Node) RunInlined(n, ifNode);
        for (int k = 0; k < ifNode.Output.Count; k++)
            if (ifNode.Output[k].Length > 0) _values[ifNode.Output[k]] = Get(renamed.Output[k].Name);
    }

    /// <summary>Runs one node of an inlined branch, translating failures the way the main loop does.</summary>
    private void RunInlined(NodeProto node, NodeProto owner)
    {
        _node = node;
        try { _handlers[node.OpType](); }
        catch (OnnxImportException) { throw; }
        catch (InvalidOperationException e) { throw Fail(OnnxImportError.UnsupportedVariant, e.Message, e); }
        catch (Exception e) when (e is ArgumentException or ArithmeticException or IndexOutOfRangeException or FormatException or KeyNotFoundException)
        {
            throw Fail(OnnxImportError.Malformed, e.Message, e);
        }
        finally { _node = owner; }
    }

    /// <summary>
    /// A copy of <paramref name="branch"/> whose own values (initializers, node outputs) carry fresh names under
    /// <paramref name="prefix"/>; names it reads from enclosing scopes stay. Nested subgraphs are renamed alike.
    /// </summary>
    private GraphProto RenameBranch(GraphProto branch, string prefix)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var local = branch.Initializer.Select(t => t.Name).Concat(branch.Node.SelectMany(n => n.Output)).Where(n => n.Length > 0);
        foreach (var name in local)
        {
            if (map.ContainsKey(name)) continue;
            var fresh = $"{prefix}/{name}";
            for (int k = 1; _values.ContainsKey(fresh) || _producers.ContainsKey(fresh) || map.ContainsValue(fresh); k++) fresh = $"{prefix}/{name}_{k}";
            map[name] = fresh;
        }
        var copy = branch.Clone();
        Rewrite(copy, map);
        return copy;
    }

    private static void Rewrite(GraphProto g, IReadOnlyDictionary<string, string> map)
    {
        string R(string name) => map.GetValueOrDefault(name, name);
        foreach (var t in g.Initializer) t.Name = R(t.Name);
        foreach (var o in g.Output) o.Name = R(o.Name);
        foreach (var n in g.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) n.Input[i] = R(n.Input[i]);
            for (int i = 0; i < n.Output.Count; i++) n.Output[i] = R(n.Output[i]);
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) Rewrite(a.G, map);
                foreach (var sub in a.Graphs) Rewrite(sub, map);
            }
        }
    }

    /// <summary>Outer values read inside a node's subgraphs (If branches), so the fusions see those readers too.</summary>
    private static IEnumerable<string> SubgraphReads(NodeProto node)
    {
        foreach (var a in node.Attribute)
            foreach (var g in a.G is null ? a.Graphs : a.Graphs.Append(a.G))
            {
                var defined = g.Initializer.Select(t => t.Name).Concat(g.Input.Select(i => i.Name)).Concat(g.Node.SelectMany(n => n.Output)).ToHashSet();
                foreach (var n in g.Node)
                    foreach (var name in n.Input.Concat(SubgraphReads(n)).Concat(g.Output.Select(o => o.Name)))
                        if (name.Length > 0 && !defined.Contains(name)) yield return name;
            }
    }
}
