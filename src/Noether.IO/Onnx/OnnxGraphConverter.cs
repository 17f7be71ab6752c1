using System.Text;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Turns one ONNX graph into the graph IR. Values are either runtime values (with a batch axis) or constants; ops
/// whose inputs are all constant — in particular shape computations, symbolic in the batch size — are folded here.
/// The per-op handlers live in the partial files OnnxGraphConverter.Layers, .Elementwise and .Shapes.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private readonly string _source;
    private readonly ModelProto _model;
    private readonly bool _keepOpaque;
    private readonly GraphProto _graph;
    private readonly long _opset;
    private readonly Dictionary<string, OnnxValue> _values = new();
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<string, int[]> _shapes = new();
    // Parameters as the caller keeps them: Tensor<double>, or Tensor<float> for a float32 import (cast as each is
    // added, so a model is never held whole in float64).
    private readonly Dictionary<string, object> _parameters = new();
    private Func<Tensor<double>, object> _keep = t => t.Contiguous();
    private bool _single;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _consumers = new();
    private readonly Dictionary<string, int> _producers = new();
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<int> _fused = new();
    private readonly Dictionary<string, RuntimeValue> _reshapeSource = new();
    private readonly Dictionary<BatchConstValue, RuntimeValue> _materialized = new(ReferenceEqualityComparer.Instance);
    private RuntimeValue? _batchReference;
    private readonly Dictionary<string, Action> _handlers;
    private readonly int? _declaredBatch;
    private readonly OnnxImportOptions _options;
    private readonly int _defaultSize;
    private readonly Dictionary<string, string?[]> _inputSymbols = new();
    private NodeProto _node = new();
    private int _index;

    /// <param name="model">The parsed model.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <param name="keepOpaque">
    /// Keep what the IR cannot express as opaque nodes (the default); false fails instead, measuring what the IR itself
    /// covers (the conformance suite).
    /// </param>
    /// <param name="options">Sizes for symbolic dimensions (see <see cref="OnnxImportOptions"/>).</param>
    /// <param name="defaultSize">The size of symbolic dimensions the options do not name.</param>
    /// <param name="layoutOps">False: moved-batch values are never merged nor computed on (the retry after a <see cref="MergedBatchException"/>).</param>
    public OnnxGraphConverter(ModelProto model, string source, bool keepOpaque = true, OnnxImportOptions? options = null, int defaultSize = OnnxImportOptions.DefaultSize, bool layoutOps = true)
    {
        _layoutOps = layoutOps;
        _options = options ?? OnnxImportOptions.Default;
        _defaultSize = defaultSize;
        _keepOpaque = keepOpaque;
        _source = source;
        _model = model;
        _graph = model.Graph ?? throw new OnnxImportException(OnnxImportError.Malformed, source, $"{source}: the model has no graph");
        _opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
        _graphOutputs = _graph.Output.Select(o => o.Name).ToHashSet();
        _handlers = WithMovedBatch(Handlers());
        var batches = _graph.Input.Where(i => !_graph.Initializer.Any(t => t.Name == i.Name))
            .Select(i => i.Type?.TensorType?.Shape?.Dim.FirstOrDefault()).ToArray();
        if (batches.Length > 0 && batches.All(d => d is { ValueCase: TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue }))
        {
            var values = batches.Select(d => d!.DimValue).Distinct().ToArray();
            if (values.Length == 1 && values[0] > 0 && values[0] < int.MaxValue) _declaredBatch = (int)values[0];
        }
    }

    /// <summary>The op types the importer maps (default ONNX domain).</summary>
    public static IReadOnlySet<string> SupportedOps { get; } = new OnnxGraphConverter(new ModelProto { Graph = new GraphProto() }, "").Handlers().Keys.ToHashSet();

    /// <summary>Runs the conversion; returns the graph and its parameters in float64.</summary>
    public (Graph Graph, Dictionary<string, Tensor<double>> Parameters) Convert() => Convert<double>();

    /// <summary>Runs the conversion; returns the graph and its parameters, each cast to <typeparamref name="T"/> as it is made.</summary>
    public (Graph Graph, Dictionary<string, Tensor<T>> Parameters) Convert<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(double)) _keep = t => t.Cast<T>();
        _single = typeof(T) == typeof(float);
        CheckDomains();
        foreach (var t in _graph.Initializer)
        {
            if (_values.ContainsKey(t.Name)) throw Malformed($"initializer '{t.Name}' is defined twice");
            var value = _options.StoredInitializers?.GetValueOrDefault(t.Name) ?? OnnxTensors.Decode(t, _source, _options.MaxTensorBytes);
            _values[t.Name] = new ConstValue(value, _options.InitializerAliases.GetValueOrDefault(t.Name, t.Name));
        }
        foreach (var input in _graph.Input)
        {
            if (_values.ContainsKey(input.Name)) continue; // an initializer with a default value for an optional input
            var declared = DeclareInput(input);
            if (!_irregular.TryGetValue(declared.Id, out var layout) || layout.BatchAxis == 0) _batchReference ??= declared;
            _values[input.Name] = declared;
        }
        for (int i = 0; i < _graph.Node.Count; i++)
        {
            var n = _graph.Node[i];
            for (int k = 0; k < n.Input.Count; k++)
                if (n.Input[k].Length > 0) (_consumers.TryGetValue(n.Input[k], out var l) ? l : _consumers[n.Input[k]] = new()).Add(i);
            foreach (var r in SubgraphReads(n)) (_consumers.TryGetValue(r, out var l) ? l : _consumers[r] = new()).Add(i);
            foreach (var o in n.Output) if (o.Length > 0) _producers[o] = i;
        }
        for (_index = 0; _index < _graph.Node.Count; _index++)
        {
            if (_fused.Contains(_index)) continue;
            _node = _graph.Node[_index];
            if (HandledBeforeDispatch()) continue;
            var mark = Mark();
            // A form the per-sample IR cannot express keeps the node opaque (see OnnxGraphConverter.Opaque).
            try { _handlers[_node.OpType](); }
            catch (OnnxImportException e) when (_keepOpaque && e.Error is OnnxImportError.UnsupportedVariant or OnnxImportError.BatchAxis)
            {
                Rollback(mark);
                EmitOpaque(e.Message);
            }
            catch (OnnxImportException) { throw; }
            catch (InvalidOperationException e)
            {
                if (!_keepOpaque) throw Fail(OnnxImportError.UnsupportedVariant, e.Message, e);
                Rollback(mark);
                EmitOpaque(e.Message);
            }
            // Anything else (shape misfits, out-of-range attributes, arithmetic on absurd sizes) is a malformed node.
            catch (Exception e) when (e is ArgumentException or ArithmeticException or IndexOutOfRangeException or FormatException or KeyNotFoundException)
            {
                throw Fail(OnnxImportError.Malformed, e is OverflowException ? $"a size or attribute is out of range ({e.Message})" : OneLine.Of(e.Message), e);
            }
        }
        var outputs = new List<string>();
        foreach (var o in _graph.Output)
        {
            var v = _values.GetValueOrDefault(o.Name) ?? throw Malformed($"graph output '{o.Name}' is never computed");
            if (v is BatchConstValue b) v = Materialize(b, Sanitize(o.Name));
            if (v is MovedBatchValue moved && _keepOpaque) v = MaterializeMoved(moved, Sanitize(o.Name));
            if (v is MovedBatchValue m) throw new OnnxImportException(OnnxImportError.BatchAxis, _source, $"{_source}: graph output '{o.Name}' holds the batch on axis {m.BatchAxis} (moved there by {m.Origin}); the graph IR keeps the batch on axis 0");
            if (v is not RuntimeValue r)
                throw new OnnxImportException(OnnxImportError.UnsupportedVariant, _source, $"{_source}: graph output '{o.Name}' does not depend on the inputs (it is a constant); the graph IR computes outputs per sample");
            outputs.Add(r.Id);
        }
        var (nodes, parameters) = Prune<T>(outputs);
        var inputs = _graph.Input.Where(i => _values[i.Name] is RuntimeValue).Select(i => (RuntimeValue)_values[i.Name]).Select(r => new InputSpec(r.Id, r.Shape)
        {
            ElementType = _irregular.TryGetValue(r.Id, out var t) && !OnnxElementTypes.IsFloat(t.Type) ? OnnxElementTypes.Name(t.Type) : null,
            BatchAxis = _irregular.TryGetValue(r.Id, out var b) ? b.BatchAxis : 0,
            Symbols = _inputSymbols.GetValueOrDefault(r.Id),
        }).ToList();
        if (inputs.Count == 0) throw Malformed("the graph has no inputs that are not initializers");
        return (new Graph(inputs, nodes, outputs, string.IsNullOrEmpty(_graph.Name) ? "onnx" : Sanitize(_graph.Name)), parameters);
    }

    private static string NodeLabel(NodeProto n, int index) => n.Name.Length > 0 ? n.Name : n.Output.FirstOrDefault(o => o.Length > 0) ?? $"#{index}";

    private RuntimeValue DeclareInput(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType ?? throw Malformed($"graph input '{input.Name}' is not a tensor");
        var type = (DataType)tensor.ElemType;
        if (type is DataType.Undefined or DataType.String || !Enum.IsDefined(type))
            throw new OnnxImportException(OnnxImportError.UnsupportedVariant, _source, $"{_source}: graph input '{input.Name}' has element type {type}; only numeric and boolean inputs are supported");
        if (tensor.Shape is null) throw Malformed($"graph input '{input.Name}' has no shape");
        var layout = InputLayouts()[input.Name];
        var id = UniqueName(Sanitize(input.Name));
        _shapes[id] = layout.Shape;
        if (layout.Symbols.Any(s => s is not null)) _inputSymbols[id] = layout.Symbols;
        // Integer and boolean inputs (token ids, masks) and inputs whose batch axis is not axis 0 (a recurrent state
        // [layers, batch, hidden], a scalar sample rate) are irregular: the nodes reading them stay opaque.
        if (!OnnxElementTypes.IsFloat(type) || layout.BatchAxis != 0) _irregular[id] = (type, layout.BatchAxis);
        return new RuntimeValue(id, layout.Shape);
    }

    /// <summary>Keeps only the nodes the outputs need, and their parameters.</summary>
    private (List<Node>, Dictionary<string, Tensor<T>>) Prune<T>(List<string> outputs) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var needed = new HashSet<string>(outputs);
        var kept = new List<Node>();
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            if (!needed.Contains(_nodes[i].Name)) continue;
            kept.Add(_nodes[i]);
            foreach (var input in _nodes[i].Inputs) needed.Add(input);
        }
        kept.Reverse();
        var names = kept.SelectMany(n => n.Op.Parameters.Select(p => $"{n.Name}.{p.Role}")).ToHashSet();
        return (kept, _parameters.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => (Tensor<T>)kv.Value));
    }

    // ---- values ------------------------------------------------------------------------------------------------

    private OnnxValue Get(string name) => _values.TryGetValue(name, out var v) ? v : throw Malformed($"reads '{name}', which is not defined before it");

    /// <summary>
    /// Input <paramref name="i"/> of the current node, or null when absent (optional inputs). Constants repeated over
    /// the batch come back as runtime values; <see cref="Raw"/> keeps them as they are.
    /// </summary>
    private OnnxValue? In(int i) => Raw(i) is BatchConstValue b ? Materialize(b, BaseName() + ".broadcast") : Raw(i);

    private OnnxValue? Raw(int i) => i < _node.Input.Count && _node.Input[i].Length > 0 ? Get(_node.Input[i]) : null;

    /// <summary>A batch-repeated constant as a runtime value [N, …]; initializers stay trainable parameters.</summary>
    private RuntimeValue Materialize(BatchConstValue b, string fallbackName)
    {
        if (_materialized.TryGetValue(b, out var done)) return done;
        var reference = _batchReference ?? throw Malformed("a constant is repeated over the batch, but the graph has no input to take the batch size from");
        var name = b.Initializer is not null ? OwnerName(b.Initializer) : fallbackName;
        var y = Emit(new BroadcastParameterOp(b.Shape, Trainable: b.Initializer is not null), name, reference);
        AddParameter(y, "weight", b.PerSample.Data);
        return _materialized[b] = y;
    }

    private int InputCount => _node.Input.Count(n => n.Length > 0);

    private RuntimeValue Runtime(int i) => In(i) switch
    {
        RuntimeValue r => r,
        null => throw Malformed($"input {i} is missing"),
        _ => throw Fail(OnnxImportError.UnsupportedVariant, $"input {i} ('{_node.Input[i]}') is a constant where a value computed from the graph inputs is expected"),
    };

    private ConstValue Const(int i, string what) => In(i) switch
    {
        ConstValue c => c,
        null => throw Malformed($"input {i} ({what}) is missing"),
        _ => throw Fail(OnnxImportError.UnsupportedVariant, $"input {i} ({what}, '{_node.Input[i]}') must be a constant (an initializer or Constant), but it is computed at run time"),
    };

    private void Set(int output, OnnxValue value)
    {
        if (output < _node.Output.Count && _node.Output[output].Length > 0) _values[_node.Output[output]] = value;
    }

    /// <summary>Fails unless outputs beyond the first are unused (optional outputs such as masks and statistics).</summary>
    private void OnlyFirstOutput(string what)
    {
        for (int k = 1; k < _node.Output.Count; k++)
            if (_node.Output[k].Length > 0 && (_consumers.ContainsKey(_node.Output[k]) || _graphOutputs.Contains(_node.Output[k])))
                throw Fail(OnnxImportError.UnsupportedVariant, $"output {k} ({what}) is used, but only the first output is supported");
    }

    // ---- emitting IR nodes -------------------------------------------------------------------------------------

    /// <summary>Adds an IR node; shape errors name the ONNX node.</summary>
    private RuntimeValue Emit(Op op, string name, params RuntimeValue[] inputs)
    {
        var id = UniqueName(name);
        var shape = op.InferShape(inputs.Select(i => i.Shape).ToArray());
        CheckBudget(shape, $"the per-sample output of {op.Kind}");
        _nodes.Add(new Node(id, op, inputs.Select(i => i.Id).ToArray()));
        _shapes[id] = shape;
        return new RuntimeValue(id, shape);
    }

    private void AddParameter(RuntimeValue node, string role, Tensor<double> value) => _parameters[$"{node.Id}.{role}"] = _keep(value);

    /// <summary>
    /// A parameter that is a constant as it is, transposed (2-D), or reshaped: in a float32 import of a file read
    /// a weight at a time, made from the stored float32 values directly, so the largest weights never exist in
    /// float64 (a model's biggest matrix would otherwise pass through memory at three times its size).
    /// </summary>
    private void AddParameter(RuntimeValue node, string role, OnnxTensor source, bool transpose, int[]? shape = null)
    {
        if (_single && source.Single() is { } single)
        {
            var t = transpose ? single.Transpose().Contiguous() : single;
            _parameters[$"{node.Id}.{role}"] = shape is null ? t : t.Reshape(shape);
            return;
        }
        var view = transpose ? source.Data.Transpose() : source.Data;
        AddParameter(node, role, shape is null ? view : view.Contiguous().Reshape(shape));
    }

    /// <summary>A per-sample reshape; chains of reshapes collapse and no-op reshapes vanish.</summary>
    private RuntimeValue Reshape(RuntimeValue x, int[] shape, string? name = null)
    {
        if (Shapes.Size(shape) != Shapes.Size(x.Shape)) throw new ShapeMismatchException("Reshape", "element counts differ", x.Shape, shape);
        var source = _reshapeSource.GetValueOrDefault(x.Id) ?? x;
        if (source.Shape.SequenceEqual(shape)) return source;
        var r = Emit(shape.Length == 1 ? new FlattenOp() : new ReshapeOp(shape), name ?? BaseName(), source);
        _reshapeSource[r.Id] = source;
        return r;
    }

    /// <summary>The IR name for the current node: its sanitised ONNX name, else its first output, else its op type.</summary>
    private string BaseName() => NameOf(_node);

    private static string NameOf(NodeProto node)
    {
        var n = Sanitize(node.Name);
        if (n.Length == 0) n = Sanitize(node.Output.FirstOrDefault(o => o.Length > 0) ?? "");
        return n.Length == 0 || n == "_" ? node.OpType.ToLowerInvariant() : n;
    }

    /// <summary>
    /// The IR name for a node owning parameters: the common prefix of a PyTorch-style initializer name
    /// (<c>layer1.weight</c> → <c>layer1</c>, <c>pos_embed</c> → <c>pos_embed</c>), so parameter names stay
    /// recognisable; else <see cref="BaseName"/>.
    /// </summary>
    private string ParameterOwnerName(params ConstValue?[] parameters) => OwnerName(parameters.Select(p => p?.Initializer).ToArray());

    private string OwnerName(params string?[] initializers)
    {
        foreach (var init in initializers)
        {
            if (init is null || init.StartsWith("onnx::", StringComparison.Ordinal)) continue;
            // "layer1.weight" is owned by "layer1"; a name without a role ("pos_embed") owns itself.
            int dot = init.LastIndexOf('.');
            var prefix = Sanitize(dot > 0 ? init[..dot] : init);
            if (prefix.Length > 0 && !_names.Contains(prefix)) return prefix;
        }
        return BaseName();
    }

    private string UniqueName(string preferred)
    {
        var name = preferred.Length == 0 ? "node" : preferred;
        for (int k = 1; !_names.Add(name); k++) name = $"{preferred}_{k}";
        return name;
    }

    /// <summary>Keeps names readable and safe as parameter prefixes: '/'-paths become dotted, odd characters become '_'.</summary>
    internal static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var ch in name.Replace("::", "_"))
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' ? ch : ch is '/' or '.' ? '.' : '_');
        var s = sb.ToString();
        while (s.Contains("..")) s = s.Replace("..", ".");
        return s.Trim('.');
    }

    // ---- attributes --------------------------------------------------------------------------------------------

    private AttributeProto? Attr(string name) => _node.Attribute.FirstOrDefault(a => a.Name == name);
    private long Int(string name, long fallback) => Attr(name) is { } a ? a.I : fallback;
    /// <summary>A float attribute widened by its shortest decimal form (1e-5f → 1e-5), so float64 models keep their constants.</summary>
    private double Float(string name, double fallback)
        => Attr(name) is { } a ? double.Parse(a.F.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture) : fallback;
    private string Str(string name, string fallback) => Attr(name) is { } a ? a.S.ToStringUtf8() : fallback;
    private long[]? Ints(string name) => Attr(name) is { } a ? a.Ints.ToArray() : null;

    // ---- errors ------------------------------------------------------------------------------------------------

    private string Where => $"{_source}: node '{NodeLabel(_node, _index)}' ({_node.OpType})";

    private OnnxImportException Fail(OnnxImportError error, string detail, Exception? inner = null) => new(error, _source, $"{Where}: {detail}", inner);

    private OnnxImportException Malformed(string detail) => _node.OpType.Length == 0
        ? new(OnnxImportError.Malformed, _source, $"{_source}: {detail}")
        : Fail(OnnxImportError.Malformed, detail);

    private OnnxImportException BatchAxis(string detail) => Fail(OnnxImportError.BatchAxis, $"{detail}; axis 0 is the batch axis, which the graph IR keeps per sample");

    /// <summary>Normalises an axis of a value of full rank <paramref name="rank"/> (batch axis included).</summary>
    private int Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw Malformed($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }
}
