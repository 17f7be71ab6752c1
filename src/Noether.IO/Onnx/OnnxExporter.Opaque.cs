using Google.Protobuf;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Writing opaque nodes back: each becomes its original node (name, op type, domain, attributes), reading the IR
/// values, weights and constants it was imported with; a node whose several outputs are used is written once. The
/// model is written at the opset the opaque nodes were imported with (their meaning depends on it), and the ops the
/// writer emits itself follow that opset (ReduceMean's axes, LayerNormalization before opset 17).
/// </summary>
internal sealed partial class OnnxGraphWriter<T>
{
    private readonly Dictionary<string, NodeProto> _opaque = new();
    private readonly HashSet<string> _provided = new(StringComparer.Ordinal);
    private int? _opsetCache;

    private IEnumerable<OpaqueOp> OpaqueOps => _graph.Nodes.Select(n => n.Op).OfType<OpaqueOp>();

    /// <summary>The default domain's opset: the imported one when opaque nodes of that domain exist, else <see cref="OnnxExporter.Opset"/>.</summary>
    private int DefaultOpset => _opsetCache ??= OpaqueOps.Where(o => o.Domain.Length == 0).Select(o => o.Opset).DefaultIfEmpty(OnnxExporter.Opset).Max();

    /// <summary>Every domain the model uses with its opset version.</summary>
    public IReadOnlyDictionary<string, long> Opsets
    {
        get
        {
            var opsets = new Dictionary<string, long> { [""] = DefaultOpset };
            foreach (var g in OpaqueOps.Where(o => o.Domain.Length > 0).GroupBy(o => o.Domain)) opsets[g.Key] = g.Max(o => o.Opset);
            return opsets;
        }
    }

    /// <summary>The lowest IR version that allows <see cref="Opsets"/>'s default-domain version.</summary>
    public long IrVersion => DefaultOpset >= 21 ? 10 : DefaultOpset >= 19 ? 9 : DefaultOpset >= 14 ? 8 : 7;

    private ValueInfoProto InputInfo(InputSpec input)
    {
        var info = ValueInfo(input.Name, input.Shape);
        if (input.ElementType is { } type && !OnnxElementTypes.IsFloat(type)) info.Type.TensorType.ElemType = (int)OnnxElementTypes.Parse(type);
        if (input.BatchAxis != 0)
        {
            // A recurrent state [layers, N, hidden] keeps N where it was; an input without a batch axis has none.
            var dims = info.Type.TensorType.Shape.Dim;
            var batch = dims[0];
            dims.RemoveAt(0);
            if (input.BatchAxis > 0) dims.Insert(input.BatchAxis, batch);
        }
        return info;
    }

    /// <summary>A graph output; an opaque node's output keeps its element type and where its batch axis is.</summary>
    private ValueInfoProto OutputInfo(string name)
    {
        if (_graph.Producer(name)?.Op is not OpaqueOp op || op.IsPerSampleFloat) return ValueInfo(name, _graph.ShapeOf(name));
        var type = OnnxElementTypes.IsFloat(op.ElementType) ? _type : OnnxElementTypes.Parse(op.ElementType);
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (op.BatchAxis >= 0)
        {
            tensor.Shape = new TensorShapeProto();
            for (int i = 0; i <= op.Shape.Length; i++)
                tensor.Shape.Dim.Add(i == op.BatchAxis ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                    : new TensorShapeProto.Types.Dimension { DimValue = op.Shape[i < op.BatchAxis ? i : i - 1] });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private void Opaque(Node n, OpaqueOp op)
    {
        if (op.Secondary)
        {
            // A further used output of a node already written: name that output after this IR node.
            var first = _opaque.TryGetValue(n.Inputs[^1], out var f) ? f
                : throw new NotSupportedException($"output {op.Output} of an opaque {op.QualifiedType} is written before the node's first output '{n.Inputs[^1]}'");
            first.Output[op.Output] = n.Name;
            _opaque[n.Name] = first;
            return;
        }
        var original = NodeProto.Parser.ParseFrom(op.Node);
        var node = new NodeProto { Name = original.Name, OpType = op.OpType };
        if (op.Domain.Length > 0) node.Domain = op.Domain;
        if (original.DocString.Length > 0) node.DocString = original.DocString;
        node.Attribute.AddRange(original.Attribute);
        foreach (var s in op.Sources)
        {
            var value = s.Kind switch
            {
                OpaqueSourceKind.Absent => "",
                OpaqueSourceKind.Input => n.Inputs[s.Index],
                OpaqueSourceKind.Parameter => Param(s.Role),
                OpaqueSourceKind.Constant => ConstantInput(s),
                OpaqueSourceKind.BatchShape => BatchShape(s, n.Inputs[s.Index]),
                _ => throw new NotSupportedException($"input kind {s.Kind}"),
            };
            if (s.Name is null) node.Input.Add(value);
            else Provide(s.Name, value);
        }
        int count = Math.Max(op.OutputCount, original.Output.Count);
        for (int k = 0; k < count; k++)
            node.Output.Add(k == op.Output ? n.Name : k < original.Output.Count && original.Output[k].Length == 0 ? "" : Temp($"output{k}"));
        _g.Node.Add(node);
        _opaque[n.Name] = node;
    }

    /// <summary>An implicit input: the subgraphs read the value under its original name, so it gets that name.</summary>
    private void Provide(string name, string value)
    {
        if (name == value || _provided.Contains(name)) return;
        if (_graph.Inputs.Any(i => i.Name == name) || _graph.Producer(name) is not null || _g.Initializer.Any(t => t.Name == name))
            throw new NotSupportedException($"a subgraph of the node reads '{name}' from the enclosing graph, but the model now uses that name for another value");
        Op("Identity", [value], name, $"{_node.Name}/implicit_{_temp++}");
        _provided.Add(name);
    }

    private string ConstantInput(OpaqueSource s)
    {
        var t = TensorProto.Parser.ParseFrom(s.Tensor ?? throw new NotSupportedException("a constant input holds no tensor"));
        t.Name = Temp("constant");
        _g.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>A batch-dependent shape vector: its entries built from N = Shape(reference)[0].</summary>
    private string BatchShape(OpaqueSource s, string reference)
    {
        var coefficients = s.Coefficients ?? [];
        var batched = s.Batched ?? new bool[coefficients.Length];
        string? n = null;
        string Batch() => n ??= Op("Slice", [Op("Shape", [reference]), Longs(0), Longs(1)]);
        var parts = coefficients.Select((c, i) => !batched[i] ? Longs(c) : c == 1 ? Batch() : Op("Mul", [Batch(), Longs(c)])).ToArray();
        var v = parts.Length == 0 ? Longs() : parts.Length == 1 ? parts[0] : Op("Concat", parts, null, Attr("axis", 0L));
        if (s.Shape is { Length: 0 }) v = Op("Reshape", [v, Longs()]);
        var type = s.ElementType.Length == 0 ? DataType.Int64 : OnnxElementTypes.Parse(s.ElementType);
        return type == DataType.Int64 ? v : Op("Cast", [v], null, Attr("to", (long)type));
    }

    /// <summary>ReduceMean over one axis: axes an attribute up to opset 17, an input from opset 18.</summary>
    private string ReduceMean(string x, long axis, bool keep, string? output = null)
        => DefaultOpset >= 18 ? Op("ReduceMean", [x, Longs(axis)], output, Attr("keepdims", keep ? 1L : 0L))
            : Op("ReduceMean", [x], output, Ints("axes", axis), Attr("keepdims", keep ? 1L : 0L));

    /// <summary>LayerNormalization before opset 17: PyTorch's decomposition, which the importer fuses back.</summary>
    private void DecomposedLayerNorm(LayerNormOp ln, string x, string y)
    {
        var centred = Op("Sub", [x, ReduceMean(x, -1, keep: true)]);
        var variance = ReduceMean(Op("Pow", [centred, Scalar(2)]), -1, keep: true);
        var normed = Op("Div", [centred, Op("Sqrt", [Op("Add", [variance, Scalar(ln.Eps)])])]);
        if (!ln.Affine) { Op("Identity", [normed], y); return; }
        Op("Add", [Op("Mul", [normed, Param("weight")]), Param("bias")], y);
    }
}
