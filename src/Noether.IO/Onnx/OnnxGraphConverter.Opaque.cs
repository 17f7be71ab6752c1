using Google.Protobuf;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Nodes the IR keeps without understanding them (<see cref="OpaqueOp"/>): unknown op types of any domain, forms of
/// known ops the per-sample IR cannot express (their handler fails with UnsupportedVariant or BatchAxis), and every
/// node that reads an irregular value — one that is not floating point (token ids, masks) or whose batch axis is not
/// axis 0. Output shapes come from the model's value_info when it states them plainly, else from ONNX Runtime
/// (<see cref="OnnxRuntimeProbe"/>). Unknown ops on constants only are evaluated by ONNX Runtime and folded.
/// Integer and boolean graph inputs load as irregular inputs, so whatever reads them (an embedding Gather on token
/// ids, a mask comparison) is opaque.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>Runtime values that are not per-sample floating point: their element type and batch axis (−1: none).</summary>
    private readonly Dictionary<string, (DataType Type, int BatchAxis)> _irregular = new();
    private Dictionary<string, ProbedValue>? _probed;
    private readonly Dictionary<MovedBatchValue, RuntimeValue> _movedOpaque = new(ReferenceEqualityComparer.Instance);
    private Dictionary<string, TensorProto>? _initializerProtos;
    private string? _batchParam;

    private static bool IsDefaultDomain(NodeProto n) => n.Domain is "" or "ai.onnx";

    private static string Normal(string domain) => domain is "ai.onnx" ? "" : domain;

    private int OpsetOf(string domain)
        => (int)_model.OpsetImport.Where(o => Normal(o.Domain) == Normal(domain)).Select(o => o.Version).DefaultIfEmpty(1).Max();

    /// <summary>Every node's domain must be imported by the model (an unknown domain is a malformed file).</summary>
    private void CheckDomains()
    {
        var imported = _model.OpsetImport.Select(o => o.Domain is "ai.onnx" ? "" : o.Domain).ToHashSet();
        imported.Add("");
        for (int i = 0; i < _graph.Node.Count; i++)
        {
            var n = _graph.Node[i];
            var domain = n.Domain is "ai.onnx" ? "" : n.Domain;
            if (!imported.Contains(domain) && !_model.Functions.Any(f => f.Domain == n.Domain && f.Name == n.OpType))
                throw new OnnxImportException(OnnxImportError.Malformed, _source,
                    $"{_source}: node '{NodeLabel(n, i)}' ({n.Domain}.{n.OpType}) uses domain '{n.Domain}', which the model does not import (opset_import lists {string.Join(", ", imported.Select(d => d.Length == 0 ? "ai.onnx" : d))})");
        }
    }

    /// <summary>
    /// Handles the current node before its handler runs when it must be opaque: an unknown op, or one reading an
    /// irregular value. Returns true when the node is done.
    /// </summary>
    private bool HandledBeforeDispatch()
    {
        bool unknown = !IsDefaultDomain(_node) || !_handlers.ContainsKey(_node.OpType);
        var irregular = Enumerable.Range(0, _node.Input.Count).Select(Raw).OfType<RuntimeValue>().Where(r => _irregular.ContainsKey(r.Id)).ToArray();
        if (!unknown && irregular.Length == 0) return false;
        if (!unknown && irregular.Length == 1 && (ShapeOfIrregular(irregular[0]) || EmbeddingOfTokenIds(irregular[0]))) return true;
        var reason = unknown ? $"op {QualifiedType(_node)} is not mapped to the IR"
            : $"reads '{irregular[0].Id}', a {OnnxElementTypes.Name(_irregular[irregular[0].Id].Type)} value{(_irregular[irregular[0].Id].BatchAxis == 0 ? "" : " without a leading batch axis")}";
        EmitOpaque(reason);
        return true;
    }

    /// <summary>
    /// <c>Gather(table, ids)</c> with a float [V, D] initializer and integer token ids that carry the batch on axis 0
    /// (an embedding lookup) becomes an <see cref="EmbeddingOp"/>; the ids reach it as exact floating-point values.
    /// </summary>
    private bool EmbeddingOfTokenIds(RuntimeValue ids)
    {
        if (_node.OpType != "Gather" || _node.Input.Count < 2 || Int("axis", 0) != 0) return false;
        var (type, batchAxis) = _irregular[ids.Id];
        if (batchAxis != 0 || type is not (DataType.Int64 or DataType.Int32) || Raw(1) != ids) return false;
        if (Raw(0) is not ConstValue { Initializer: not null } table || !table.Tensor.IsFloat || table.Shape.Length != 2) return false;
        if (graphInputsOnly(ids.Id) is false) return false;
        var y = Emit(new EmbeddingOp(table.Shape[0], table.Shape[1]), OwnerName(table.Initializer), ids);
        AddParameter(y, "weight", table.Tensor.Data);
        Set(0, y);
        return true;

        // Only token ids straight from a graph input: computed integer values may not be exact in float32.
        bool graphInputsOnly(string id) => _graph.Input.Any(i => _values.GetValueOrDefault(i.Name) is RuntimeValue r && r.Id == id);
    }

    /// <summary>Shape and Identity need no opaque node when the batch axis of their input is known.</summary>
    private bool ShapeOfIrregular(RuntimeValue x)
    {
        var (type, batchAxis) = _irregular[x.Id];
        if (_node.OpType == "Identity") { Set(0, x); return true; }
        if (_node.OpType != "Shape") return false;
        var dims = x.Shape.Select(d => SymDim.Of(d)).ToList();
        if (batchAxis >= 0) dims.Insert(batchAxis, SymDim.Batch);
        SetShape(dims);
        return true;
    }

    /// <summary>The output of a Shape node (honouring start and end) from the full symbolic dimensions.</summary>
    private void SetShape(List<SymDim> dims)
    {
        int rank = dims.Count;
        long Clamp(long v) => Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        int start = (int)Clamp(Int("start", 0)), end = (int)Clamp(Int("end", rank));
        Set(0, ConstValue.Symbolic(dims.ToArray()[start..Math.Max(start, end)]));
    }

    private static string QualifiedType(NodeProto n) => IsDefaultDomain(n) ? n.OpType : $"{n.Domain}.{n.OpType}";

    // ---- undoing a failed handler ------------------------------------------------------------------------------

    private (int Nodes, int[] Fused) Mark() => (_nodes.Count, _fused.ToArray());

    /// <summary>Forgets what a handler emitted before it gave up, so the node can be kept opaque instead.</summary>
    private void Rollback((int Nodes, int[] Fused) mark)
    {
        var removed = _nodes.Skip(mark.Nodes).Select(n => n.Name).ToHashSet();
        foreach (var name in removed) { _names.Remove(name); _shapes.Remove(name); _irregular.Remove(name); }
        _nodes.RemoveRange(mark.Nodes, _nodes.Count - mark.Nodes);
        foreach (var k in _materialized.Where(kv => removed.Contains(kv.Value.Id)).Select(kv => kv.Key).ToArray()) _materialized.Remove(k);
        foreach (var k in _movedOpaque.Where(kv => removed.Contains(kv.Value.Id)).Select(kv => kv.Key).ToArray()) _movedOpaque.Remove(k);
        foreach (var k in _reshapeSource.Keys.Where(removed.Contains).ToArray()) _reshapeSource.Remove(k);
        _fused.Clear();
        _fused.UnionWith(mark.Fused);
    }

    // ---- emitting an opaque node -------------------------------------------------------------------------------

    /// <summary>Keeps the current node as one <see cref="OpaqueOp"/> per used output.</summary>
    private void EmitOpaque(string reason)
    {
        if (!_keepOpaque) throw Fail(OnnxImportError.UnsupportedOp, reason);
        var used = Enumerable.Range(0, _node.Output.Count).Where(k => _node.Output[k].Length > 0
            && (_consumers.ContainsKey(_node.Output[k]) || _graphOutputs.Contains(_node.Output[k]))).ToArray();
        if (used.Length == 0) return; // a dead node: nothing reads it
        var implicitNames = OuterReferences(_node).ToArray();
        var inputs = Enumerable.Range(0, _node.Input.Count).Select(Raw).Concat(implicitNames.Select(Get)).ToArray();
        if (!inputs.Any(v => v is RuntimeValue or BatchConstValue or MovedBatchValue) && !inputs.OfType<ConstValue>().Any(c => c.DependsOnBatch) && implicitNames.Length == 0)
        {
            FoldConstantNode(reason);
            return;
        }
        var sources = new List<OpaqueSource>();
        var runtime = new List<RuntimeValue>();
        var weights = new List<(string Role, Tensor<double> Value)>();
        int RuntimeIndex(RuntimeValue r)
        {
            runtime.Add(r);
            return runtime.Count - 1;
        }
        for (int k = 0; k < inputs.Length; k++)
        {
            string Name() => k < _node.Input.Count ? _node.Input[k] : implicitNames[k - _node.Input.Count];
            var v = inputs[k] switch
            {
                BatchConstValue b => k < _node.Input.Count ? In(k) : Materialize(b, Sanitize(Name())),
                // A value whose batch a layout op moved: the node reads it with the batch where the model put it.
                MovedBatchValue m => MaterializeMoved(m, Sanitize(Name())),
                var other => other,
            };
            switch (v)
            {
                case null: sources.Add(new OpaqueSource(OpaqueSourceKind.Absent)); break;
                case RuntimeValue r:
                    sources.Add(new OpaqueSource(OpaqueSourceKind.Input, RuntimeIndex(r), ElementType: OnnxElementTypes.Name(TypeOf(r))));
                    break;
                case ConstValue c when c.DependsOnBatch:
                    var reference = runtime.FirstOrDefault(r => !_irregular.TryGetValue(r.Id, out var i) || i.BatchAxis == 0) ?? _batchReference
                        ?? throw Malformed("a shape depends on the batch size, but the graph has no input to take the batch size from");
                    int index = runtime.IndexOf(reference);
                    sources.Add(new OpaqueSource(OpaqueSourceKind.BatchShape, index >= 0 ? index : RuntimeIndex(reference), Shape: c.Shape,
                        ElementType: OnnxElementTypes.Name(c.Tensor.Type), Coefficients: c.Dims.Select(d => d.Coefficient).ToArray(), Batched: c.Dims.Select(d => d.HasBatch).ToArray()));
                    break;
                // Weights (floating-point initializers beyond scalars) are parameters; the rest stays verbatim.
                case ConstValue c when c.Initializer is not null && c.Tensor.IsFloat && Shapes.Size(c.Shape) > 1:
                    var role = $"input{k}";
                    sources.Add(new OpaqueSource(OpaqueSourceKind.Parameter, Role: role, Shape: c.Shape, ElementType: OnnxElementTypes.Name(c.Tensor.Type)));
                    weights.Add((role, c.Tensor.Data));
                    break;
                case ConstValue c:
                    sources.Add(new OpaqueSource(OpaqueSourceKind.Constant, ElementType: OnnxElementTypes.Name(c.Tensor.Type), Tensor: ProtoOf(c).ToByteArray()));
                    break;
                default: throw Malformed($"input {k} has an unexpected form");
            }
            if (k >= _node.Input.Count) sources[^1] = sources[^1] with { Name = implicitNames[k - _node.Input.Count] };
        }
        // The node as written, minus its value names (the IR renames values; the writer wires the node anew), so a
        // model read, written and read again keeps identical opaque ops. Empty outputs stay empty.
        var stored = _node.Clone();
        stored.Input.Clear();
        stored.Output.Clear();
        stored.Output.AddRange(_node.Output.Select(o => o.Length == 0 ? "" : "_"));
        var bytes = stored.ToByteArray();
        int opset = OpsetOf(_node.Domain);
        RuntimeValue? primary = null;
        foreach (int k in used)
        {
            var (shape, type, batchAxis) = OutputInfo(_node.Output[k], reason);
            var op = new OpaqueOp(_node.OpType, _node.Domain is "ai.onnx" ? "" : _node.Domain, opset, bytes, sources.ToArray(), k, _node.Output.Count,
                shape, OnnxElementTypes.Name(type), batchAxis, Secondary: primary is not null);
            var name = primary is null ? BaseName() : Sanitize(_node.Output[k]);
            var y = Emit(op, name.Length == 0 ? BaseName() : name, primary is null ? runtime.ToArray() : [.. runtime, primary]);
            if (primary is null) foreach (var (role, value) in weights) AddParameter(y, role, value);
            if (batchAxis != 0 || !OnnxElementTypes.IsFloat(type)) _irregular[y.Id] = (type, batchAxis);
            primary ??= y;
            Set(k, y);
        }
    }

    /// <summary>
    /// Names a node's subgraphs (If branches, Loop and Scan bodies, nested at any depth) read from the enclosing graph,
    /// in first-use order.
    /// </summary>
    private static IEnumerable<string> OuterReferences(NodeProto node)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in node.Attribute)
            foreach (var g in a.G is null ? a.Graphs : a.Graphs.Prepend(a.G))
                foreach (var name in OuterReferences(g))
                    if (seen.Add(name)) yield return name;
    }

    private static IEnumerable<string> OuterReferences(GraphProto g)
    {
        var defined = g.Input.Select(i => i.Name).Concat(g.Initializer.Select(t => t.Name)).Concat(g.SparseInitializer.Select(t => t.Values?.Name ?? ""))
            .Concat(g.Node.SelectMany(n => n.Output)).ToHashSet(StringComparer.Ordinal);
        defined.Add("");
        var used = g.Node.SelectMany(n => n.Input.Concat(OuterReferences(n))).Concat(g.Output.Select(o => o.Name));
        return used.Where(n => !defined.Contains(n)).Distinct();
    }

    private DataType TypeOf(RuntimeValue r) => _irregular.TryGetValue(r.Id, out var i) ? i.Type : DataType.Float;

    /// <summary>The exact initializer when the constant is one, else the constant encoded with its element type.</summary>
    private TensorProto ProtoOf(ConstValue c)
    {
        _initializerProtos ??= _graph.Initializer.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First());
        bool stored = c.Initializer is not null && _options.StoredInitializers?.ContainsKey(c.Initializer) == true;
        if (!stored && c.Initializer is not null && _initializerProtos.TryGetValue(c.Initializer, out var t)) { var copy = t.Clone(); copy.ClearName(); return copy; }
        return Encode(c.Tensor);
    }

    /// <summary>Evaluates an unknown op whose inputs are all constants with ONNX Runtime and records its outputs as constants.</summary>
    private void FoldConstantNode(string reason)
    {
        var inputs = Enumerable.Range(0, _node.Input.Count).Select(k => Raw(k) is ConstValue c ? ProtoOf(c) : null).ToArray();
        OnnxTensor[] outputs;
        try { outputs = OnnxRuntimeProbe.Evaluate(_node, _model.OpsetImport, inputs, _model.IrVersion); }
        catch (InvalidOperationException e)
        {
            throw Fail(OnnxImportError.UnsupportedOp, $"{reason}; its inputs are all constants, but ONNX Runtime could not evaluate it: {e.Message}", e);
        }
        for (int k = 0; k < outputs.Length; k++) if (outputs[k] is not null) Set(k, new ConstValue(outputs[k]));
    }

    // ---- output shapes -----------------------------------------------------------------------------------------

    /// <summary>The per-sample shape, element type and batch axis of a node output: from value_info, else from ONNX Runtime.</summary>
    private (int[] Shape, DataType Type, int BatchAxis) OutputInfo(string name, string reason)
    {
        if (Declared(name) is { } declared) return declared;
        if (BatchlessElementwise() is { } batchless) return batchless;
        if (_probed is null)
        {
            try { _probed = ProbeWithRepresentativeValues(); }
            catch (InvalidOperationException e)
            {
                throw Fail(OnnxImportError.UnsupportedOp, $"{reason}; the model states no shape for its output '{name}', and ONNX Runtime could not run the model to find it: {e.Message}", e);
            }
        }
        if (!_probed.TryGetValue(name, out var p))
            throw Fail(OnnxImportError.UnsupportedVariant, $"{reason}; its output '{name}' is not a tensor ONNX Runtime could report");
        int[] Ints(long[] s) => s.Select(d => checked((int)d)).ToArray();
        var s1 = Ints(p.Shape);
        if (_declaredBatch is int b) return s1.Length > 0 && s1[0] == b ? (s1[1..], p.Type, 0) : (s1, p.Type, -1);
        if (p.Shape2 is null || p.Shape2.Length != s1.Length) return (s1, p.Type, -1);
        var s2 = Ints(p.Shape2);
        var differ = Enumerable.Range(0, s1.Length).Where(i => s1[i] != s2[i]).ToArray();
        if (differ.Length == 1 && s1[differ[0]] == p.Batch && s2[differ[0]] == 2 * p.Batch)
            return ([.. s1[..differ[0]], .. s1[(differ[0] + 1)..]], p.Type, differ[0]);
        return (s1, p.Type, -1);
    }

    private static readonly HashSet<string> s_comparisons = ["Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Not", "And", "Or", "Xor"];
    private static readonly HashSet<string> s_arithmetic = ["Add", "Sub", "Mul", "Div", "Neg", "Abs", "Cast", "Identity", "Where"];

    /// <summary>
    /// The shape of an elementwise node (a comparison, Cast, arithmetic) whose inputs have no batch axis — a test on a
    /// scalar sample rate, say — by broadcasting, so no ONNX Runtime probe (with made-up input values) is needed.
    /// </summary>
    private (int[] Shape, DataType Type, int BatchAxis)? BatchlessElementwise()
    {
        if (!IsDefaultDomain(_node) || !(s_comparisons.Contains(_node.OpType) || s_arithmetic.Contains(_node.OpType)) || _node.Output.Count != 1) return null;
        var shapes = new List<int[]>();
        DataType? type = null;
        for (int k = 0; k < _node.Input.Count; k++)
        {
            switch (Raw(k))
            {
                case RuntimeValue r when _irregular.TryGetValue(r.Id, out var i) && i.BatchAxis < 0:
                    shapes.Add(r.Shape); if (_node.OpType != "Where" || k > 0) type ??= i.Type; break;
                case ConstValue c when !c.DependsOnBatch:
                    shapes.Add(c.Shape); if (_node.OpType != "Where" || k > 0) type ??= c.Tensor.Type; break;
                default: return null;
            }
        }
        if (type is null || shapes.Count == 0) return null;
        var shape = shapes.Aggregate((a, b) => Shapes.Broadcast(a, b, _node.OpType));
        var result = s_comparisons.Contains(_node.OpType) ? DataType.Bool : _node.OpType == "Cast" ? (DataType)Int("to", (long)type) : type.Value;
        return (shape, result, -1);
    }

    /// <summary>A shape the model states plainly: [batch, static…] with the inputs' batch dimension first.</summary>
    private (int[] Shape, DataType Type, int BatchAxis)? Declared(string name)
    {
        var info = _graph.ValueInfo.Concat(_graph.Output).FirstOrDefault(v => v.Name == name)?.Type?.TensorType;
        if (info is null || info.ElemType == 0 || info.Shape is null || info.Shape.Dim.Count == 0) return null;
        var dims = info.Shape.Dim;
        // A state [layers, batch, hidden]: the batch symbol on one later axis, every other size fixed.
        if (_declaredBatch is null && BatchParam() is { Length: > 0 } param && dims.Count > 1)
        {
            var at = Enumerable.Range(0, dims.Count).Where(k => dims[k].DimParam == param).ToArray();
            if (at is [var k] && k > 0 && Enumerable.Range(0, dims.Count).All(i => i == k || dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[i].DimValue >= 0 && dims[i].DimValue < int.MaxValue))
                return (dims.Where((_, i) => i != k).Select(d => (int)d.DimValue).ToArray(), (DataType)info.ElemType, k);
        }
        if (dims.Skip(1).Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue < 0 || d.DimValue > int.MaxValue)) return null;
        var first = dims[0];
        bool batchFirst = _declaredBatch is int b
            ? first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && first.DimValue == b
            : first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam && first.DimParam.Length > 0 && first.DimParam == BatchParam();
        return batchFirst ? (dims.Skip(1).Select(d => (int)d.DimValue).ToArray(), (DataType)info.ElemType, 0) : null;
    }

    /// <summary>The name the graph inputs give their (shared) dynamic batch dimension, or "" when they disagree.</summary>
    private string BatchParam() => _batchParam ??= _graph.Input.Where(i => _values.GetValueOrDefault(i.Name) is RuntimeValue r && (!_irregular.TryGetValue(r.Id, out var l) || l.BatchAxis == 0))
        .Select(i => i.Type?.TensorType?.Shape?.Dim.FirstOrDefault()?.DimParam ?? "").Distinct().ToArray() is [var single] ? single : "";

    /// <summary>
    /// Probes with the given feeds; when ONNX Runtime fails and an integer scalar input has no given value, tries again
    /// with each constant the graph compares that input with (a sample rate checked against 16000 selects a branch
    /// that can run, where 0 selects one that cannot).
    /// </summary>
    private Dictionary<string, ProbedValue> ProbeWithRepresentativeValues()
    {
        // ONNX Runtime runs the whole model: one parsed without its weights (see OnnxMappedModel) cannot be probed.
        if (_options.StoredInitializers is { Count: > 0 }) throw new StoredWeightsException();
        var feeds = Feeds();
        try { return OnnxRuntimeProbe.ProbeShapes(_model, feeds, _declaredBatch is null); }
        catch (InvalidOperationException) when (ComparedConstants(feeds) is { Count: > 0 } candidates)
        {
            foreach (var (input, value) in candidates.Take(8))
            {
                var tried = feeds.Select(f => f.Name == input ? f with { Value = value } : f).ToList();
                try { return OnnxRuntimeProbe.ProbeShapes(_model, tried, _declaredBatch is null); }
                catch (InvalidOperationException) { }
            }
            throw;
        }
    }

    /// <summary>(input, value) for integer scalar inputs without a given value and each scalar constant a comparison node reads with them.</summary>
    private List<(string Input, TypedArray Value)> ComparedConstants(List<OnnxRuntimeProbe.Feed> feeds)
    {
        var scalars = feeds.Where(f => f.Value is null && f.Dims.Length == 0 && IntegerType(f.Type) is not null)
            .ToDictionary(f => f.Name, f => IntegerType(f.Type)!.Value);
        var result = new List<(string, TypedArray)>();
        if (scalars.Count == 0) return result;
        var constants = _graph.Initializer.ToDictionary(t => t.Name, t => t);
        foreach (var n in _graph.Node.Where(n => n.OpType == "Constant"))
            if (n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t && n.Output.Count > 0) constants[n.Output[0]] = t;
        foreach (var n in _graph.Node.Where(n => n.OpType is "Equal" or "Greater" or "Less" or "GreaterOrEqual" or "LessOrEqual" && n.Input.Count == 2))
            for (int k = 0; k < 2; k++)
                if (scalars.TryGetValue(n.Input[k], out var type) && constants.TryGetValue(n.Input[1 - k], out var c))
                {
                    var data = OnnxTensors.Decode(c, _source, _options.MaxTensorBytes).Data;
                    if (data.Length != 1) continue;
                    long v = (long)data.ToArray()[0];
                    var bytes = type switch
                    {
                        ArrayElementType.Int32 => BitConverter.GetBytes((int)v),
                        _ => BitConverter.GetBytes(v),
                    };
                    result.Add((n.Input[k], new TypedArray(type, [], bytes)));
                }
        return result;
    }

    private static ArrayElementType? IntegerType(DataType t) => t switch
    {
        DataType.Int64 => ArrayElementType.Int64,
        DataType.Int32 => ArrayElementType.Int32,
        _ => null,
    };

    /// <summary>The graph inputs at their pinned sizes, −1 on the batch axis when it is dynamic.</summary>
    private List<OnnxRuntimeProbe.Feed> Feeds() => _graph.Input.Where(i => _values.GetValueOrDefault(i.Name) is RuntimeValue)
        .Select(i => new OnnxRuntimeProbe.Feed(i.Name, (DataType)i.Type.TensorType.ElemType, InputLayouts()[i.Name].Feed,
            _options.ProbeValues.GetValueOrDefault(i.Name))).ToList();

    // ---- typed constants ---------------------------------------------------------------------------------------

    /// <summary>Encodes a decoded constant with its own element type (raw little-endian data).</summary>
    internal static TensorProto Encode(OnnxTensor t)
    {
        var proto = new TensorProto { DataType = (int)t.Type };
        proto.Dims.AddRange(t.Shape.Select(d => (long)d));
        var values = t.Data.ToArray();
        switch (t.Type)
        {
            case DataType.Float: proto.FloatData.AddRange(values.Select(v => (float)v)); break;
            case DataType.Double: proto.DoubleData.AddRange(values); break;
            case DataType.Int64: proto.Int64Data.AddRange(values.Select(v => (long)v)); break;
            case DataType.Uint32 or DataType.Uint64: proto.Uint64Data.AddRange(values.Select(v => (ulong)v)); break;
            case DataType.Float16: proto.Int32Data.AddRange(values.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v))); break;
            case DataType.Bfloat16: proto.Int32Data.AddRange(values.Select(v => (int)(BitConverter.SingleToUInt32Bits((float)v) >> 16))); break;
            case DataType.Bool: proto.Int32Data.AddRange(values.Select(v => v != 0 ? 1 : 0)); break;
            default: proto.Int32Data.AddRange(values.Select(v => (int)v)); break;
        }
        return proto;
    }
}
