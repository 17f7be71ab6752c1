using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// A value whose ONNX layout holds the batch on axis <see cref="BatchAxis"/> ≠ 0: the batch-major <see cref="Inner"/>
/// (a runtime value or a batch-repeated constant) with its batch axis moved there and the other axes in order.
/// Transposes that move axis 0 make one (the time-major layout of LSTM and GRU); layout ops and recurrent layers
/// and Shape read it. Any other consumer, and a graph output, sees it through one opaque ONNX Transpose that moves
/// the batch to <see cref="BatchAxis"/> (and is itself kept opaque); in strict mode they fail with a batch-axis error
/// naming <see cref="Origin"/> (the node that moved the batch, described for messages).
/// <para>
/// <see cref="Merge"/> ≠ 0: axis <see cref="BatchAxis"/> holds the batch merged with one per-sample axis —
/// +1 the following one, batch outer (<c>[S, B·H, dk]</c> of nn.MultiheadAttention), −1 the preceding one, batch
/// inner (<c>[S·B, D]</c>); see OnnxGraphConverter.MergedBatch.
/// </para>
/// </summary>
internal sealed record MovedBatchValue(OnnxValue Inner, int BatchAxis, string Origin, int Merge = 0) : OnnxValue
{
    /// <summary>The per-sample shape (batch axis left out).</summary>
    public int[] SampleShape => Inner switch
    {
        RuntimeValue r => r.Shape,
        BatchConstValue b => b.Shape,
        _ => throw new InvalidOperationException("a moved batch wraps a runtime value or a batch constant"),
    };

    /// <summary>The full ONNX rank.</summary>
    public int Rank => SampleShape.Length + 1 - (Merge != 0 ? 1 : 0);

    /// <summary>Where the batch sits among the per-sample axes (the number of per-sample axes laid out before it).</summary>
    public int Position => Merge < 0 ? BatchAxis + 1 : BatchAxis;
}

/// <summary>Values with the batch moved off axis 0: Transpose, Reshape, Squeeze, Unsqueeze, Gather, Slice and Concat on them.</summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>Wraps the handlers so that moved-batch values are produced by Transpose and ConstantOfShape, and checked everywhere else.</summary>
    private Dictionary<string, Action> WithMovedBatch(Dictionary<string, Action> handlers)
    {
        var wrapped = new Dictionary<string, Action>();
        foreach (var (op, handler) in handlers)
            wrapped[op] = op switch
            {
                "LSTM" or "GRU" => handler,
                "Transpose" => () => { if (!TransposeMovingBatch()) handler(); },
                "ConstantOfShape" => () => { if (!ConstantWithMovedBatch()) handler(); },
                "Shape" => () => { if (!ShapeOfMoved()) { RejectMovedBatch(); handler(); } },
                "Squeeze" or "Unsqueeze" or "Reshape" or "Gather" or "Slice" or "Split" or "Concat" or "Identity" or "Dropout" => () => { if (!MovedLayout(op)) handler(); },
                _ => () => { if (!TrailingOnMoved(op, handler)) { RejectMovedBatch(); handler(); } },
            };
        return wrapped;
    }

    private void RejectMovedBatch()
    {
        for (int i = 0; i < _node.Input.Count; i++)
            if (_node.Input[i].Length > 0 && _values.GetValueOrDefault(_node.Input[i]) is MovedBatchValue m)
                throw MovedBatchError(_node.Input[i], m);
    }

    /// <summary>
    /// The moved value as an IR value, for a consumer that cannot carry it (kept opaque) or a graph output: an opaque
    /// ONNX Transpose of the batch-major value that puts the batch axis where the model holds it. One per value.
    /// </summary>
    private RuntimeValue MaterializeMoved(MovedBatchValue m, string name)
    {
        if (_movedOpaque.TryGetValue(m, out var done)) return done;
        if (m.Merge != 0) throw new MergedBatchException(m.Origin);
        var inner = m.Inner switch
        {
            RuntimeValue r => r,
            BatchConstValue b => Materialize(b, name + ".broadcast"),
            _ => throw new InvalidOperationException("not a batched value"),
        };
        // Output axis b is input axis 0; the per-sample axes keep their order.
        var perm = Enumerable.Range(1, m.BatchAxis).Append(0).Concat(Enumerable.Range(m.BatchAxis + 1, m.Rank - m.BatchAxis - 1)).Select(i => (long)i);
        var node = new Onnx.NodeProto { OpType = "Transpose", Name = name };
        var attribute = new Onnx.AttributeProto { Name = "perm", Type = Onnx.AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(perm);
        node.Attribute.Add(attribute);
        node.Output.Add("_");
        var type = OnnxElementTypes.Name(TypeOf(inner));
        var op = new OpaqueOp("Transpose", "", OpsetOf(""), Google.Protobuf.MessageExtensions.ToByteArray(node), [new OpaqueSource(OpaqueSourceKind.Input, 0, ElementType: type)],
            0, 1, (int[])inner.Shape.Clone(), type, m.BatchAxis);
        var y = Emit(op, name, inner);
        _irregular[y.Id] = (TypeOf(inner), m.BatchAxis);
        return _movedOpaque[m] = y;
    }

    /// <summary>Shape of a moved value: symbolic in the batch size, with the batch where the value holds it.</summary>
    private bool ShapeOfMoved()
    {
        if (Raw(0) is not MovedBatchValue m) return false;
        SetShape(OnnxDims(m).ToList());
        return true;
    }

    private OnnxImportException MovedBatchError(string name, MovedBatchValue m)
        => BatchAxis($"'{name}' holds the batch on axis {m.BatchAxis} (moved there by {m.Origin}), which only layout ops "
            + "(Transpose, Reshape, Squeeze, Unsqueeze, Gather, Slice, Concat) and LSTM/GRU with layout 0 can read");

    private static int[] SampleShapeOf(OnnxValue v) => v switch
    {
        RuntimeValue r => r.Shape,
        BatchConstValue b => b.Shape,
        MovedBatchValue m => m.SampleShape,
        _ => throw new InvalidOperationException("not a batched value"),
    };

    private OnnxValue Moved(OnnxValue inner, int batchAxis, int merge = 0)
        => batchAxis == 0 && merge == 0 ? inner : new MovedBatchValue(inner, batchAxis, $"node '{NodeLabel(_node, _index)}' ({_node.OpType}{(_node.OpType == "Transpose" && Ints("perm") is { } p ? $", perm [{string.Join(", ", p)}]" : "")})", merge);

    /// <summary>A per-sample op on a runtime value (an IR node) or on a batch constant (evaluated now).</summary>
    private OnnxValue ApplySample(OnnxValue inner, Op op, string name) => inner switch
    {
        RuntimeValue r => Emit(op, name, r),
        BatchConstValue b => new BatchConstValue(Fold(new ConstValue(b.PerSample), op).Tensor),
        _ => throw new InvalidOperationException("not a batched value"),
    };

    private OnnxValue ReshapeSample(OnnxValue inner, int[] shape) => inner switch
    {
        RuntimeValue r => Reshape(r, shape),
        BatchConstValue b => new BatchConstValue(b.PerSample with { Data = b.PerSample.Data.Reshape(shape) }),
        _ => throw new InvalidOperationException("not a batched value"),
    };

    /// <summary>Transpose of a moved value, or one that moves axis 0 of a runtime value; false leaves the node to the ordinary handler.</summary>
    private bool TransposeMovingBatch()
    {
        var v = Raw(0);
        if (v is not (RuntimeValue or MovedBatchValue or BatchConstValue)) return false;
        var m = v as MovedBatchValue ?? new MovedBatchValue(v, 0, "");
        int rank = m.Rank;
        var perm = Int32s(Ints("perm"), "perm") ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Order().Where((p, i) => p != i).Any()) throw Malformed($"perm {Shapes.Format(perm)} is not a permutation of {rank} axes");
        // Transposes that keep the batch first take the ordinary path (a batch constant becomes a runtime value there).
        if (v is not MovedBatchValue && perm[0] == 0) return false;
        // Each ONNX axis holds one per-sample axis, the batch (−1), or the batch merged with a neighbour.
        var groups = AxisGroups(m);
        var order = perm.SelectMany(p => groups[p]).ToArray();
        int at = Array.FindIndex(perm, p => groups[p].Contains(-1));
        var sample = order.Where(a => a >= 0).ToArray();
        var moved = sample.Where((p, i) => p != i).Any() ? ApplySample(m.Inner, new TransposeOp(sample), BaseName()) : m.Inner;
        Set(0, Moved(moved, at, m.Merge));
        return true;
    }

    /// <summary>zeros(…, N, …) with the batch size on an axis other than 0 (PyTorch's initial RNN states).</summary>
    private bool ConstantWithMovedBatch()
    {
        if (In(0) is not ConstValue shape || !shape.DependsOnBatch) return false;
        var dims = shape.Dims;
        int at = Array.FindIndex(dims, d => d.IsBatch);
        if (at <= 0 || dims.Where((d, i) => i != at && d.HasBatch).Any()) return false;
        var a = Attr("value");
        var fill = a is null ? new OnnxTensor(Onnx.TensorProto.Types.DataType.Float, Tensor<double>.Scalar(0)) : OnnxTensors.Decode(a.T, _source, _options.MaxTensorBytes);
        var wanted = dims.Where((_, i) => i != at).Select(d => d.Value).ToArray();
        CheckBudget(wanted, "the constant (per sample)");
        var sample = Int32s(wanted, "shape")!;
        Set(0, Moved(new BatchConstValue(new OnnxTensor(fill.Type, Tensor<double>.Full(fill.Data.ToArray().FirstOrDefault(), sample))), at));
        return true;
    }

    /// <summary>Layout ops on moved values; false when no input is moved (the ordinary handler runs).</summary>
    private bool MovedLayout(string op)
    {
        if (op == "Concat") return ConcatMoved();
        if (Raw(0) is not MovedBatchValue m) return false;
        if (m.Merge != 0 && op is not ("Identity" or "Dropout" or "Reshape")) throw new MergedBatchException(m.Origin);
        switch (op)
        {
            case "Identity": Set(0, m); break;
            case "Dropout": OnlyFirstOutput("mask"); Set(0, m); break;
            case "Squeeze" or "Unsqueeze": SqueezeMoved(m, op == "Unsqueeze"); break;
            case "Reshape": ReshapeMoved(m); break;
            case "Gather": GatherMoved(m); break;
            case "Slice": SliceMoved(m); break;
            case "Split": SplitMoved(m); break;
        }
        return true;
    }

    private void SqueezeMoved(MovedBatchValue m, bool unsqueeze)
    {
        var axes = AxesInput(1, "axes");
        // The full shape with −1 marking the batch axis.
        var full = m.SampleShape.ToList();
        full.Insert(m.BatchAxis, -1);
        if (unsqueeze)
        {
            int rank = full.Count + axes.Length;
            var at = axes.Select(a => Axis(a, rank)).Order().ToArray();
            foreach (var a in at) full.Insert(a, 1);
        }
        else
        {
            var at = axes.Length == 0 ? Enumerable.Range(0, full.Count).Where(i => full[i] == 1).ToArray() : axes.Select(a => Axis(a, full.Count)).ToArray();
            if (at.Contains(m.BatchAxis)) throw BatchAxis("Squeeze removes the batch axis");
            foreach (var a in at) if (full[a] != 1) throw Malformed($"cannot squeeze axis {a} of size {full[a]}");
            full = full.Where((_, i) => !at.Contains(i)).ToList();
        }
        int b = full.IndexOf(-1);
        Set(0, Moved(ReshapeSample(m.Inner, full.Where(d => d != -1).ToArray()), b));
    }

    /// <summary>
    /// A reshape that keeps the batch axis whole: the axes before it hold as many elements before and after, so every
    /// sample's block is reshaped on its own.
    /// </summary>
    private void ReshapeMoved(MovedBatchValue m)
    {
        var target = Const(1, "shape").Dims;
        bool allowZero = Int("allowzero", 0) != 0;
        var sample = m.SampleShape;
        var onnx = OnnxDims(m);
        var resolved = new SymDim[target.Length];
        for (int i = 0; i < target.Length; i++)
        {
            var d = target[i];
            if (!allowZero && !d.HasBatch && d.Coefficient == 0)
            {
                if (i >= m.Rank) throw Malformed($"shape entry {i} copies an axis the input (rank {m.Rank}) does not have");
                d = onnx[i];
            }
            resolved[i] = d;
        }
        int at = Array.FindIndex(resolved, d => d.HasBatch);
        if (at < 0 || resolved.Where((d, i) => i != at && d.HasBatch).Any())
            throw BatchAxis($"Reshape to [{string.Join(", ", target)}] does not keep the batch axis (on axis {m.BatchAxis}, moved by {m.Origin}) whole");
        var dims = resolved.Select((d, i) => i == at ? d.Coefficient : d.Value).ToArray();
        long known = dims.Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
        int unknown = dims.Count(d => d == -1);
        if (unknown > 1 || known <= 0 && unknown == 1) throw Malformed($"shape [{string.Join(", ", target)}] cannot be resolved");
        if (unknown == 1) dims = dims.Select(d => d == -1 ? Shapes.Size(sample) / known : d).ToArray();
        // The batch axis of the result may hold per-sample elements around the batch: o outside it, i inside it.
        long pre = Shapes.Size(sample[..m.Position]), preAt = dims[..at].Aggregate(1L, (p, d) => p * d), c = dims[at];
        long outer = preAt > 0 && pre % preAt == 0 ? pre / preAt : 0, inner = outer > 0 && c % outer == 0 ? c / outer : 0;
        if (outer == 0 || inner == 0 || outer > 1 && inner > 1 || (outer > 1 || inner > 1) && !_layoutOps)
            throw BatchAxis($"Reshape to [{string.Join(", ", target)}] mixes the axes before the batch axis (moved by {m.Origin}) with those after it");
        var merged = dims[..at].Concat(outer > 1 ? [outer] : []).Concat(inner > 1 ? [inner] : []).Concat(dims[(at + 1)..]);
        var newSample = Int32s(merged, "shape")!;
        if (Shapes.Size(newSample) != Shapes.Size(sample)) throw new ShapeMismatchException("Reshape", "element counts differ", sample, newSample);
        Set(0, Moved(ReshapeSample(m.Inner, newSample), at, outer > 1 ? -1 : inner > 1 ? 1 : 0));
    }

    private void GatherMoved(MovedBatchValue m)
    {
        var indices = In(1) as ConstValue ?? throw Fail(OnnxImportError.UnsupportedVariant, "indices computed at run time are not supported (only fixed indices)");
        if (indices.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "indices depend on the batch size");
        int axis = Axis(Int("axis", 0), m.Rank);
        if (axis == m.BatchAxis) throw BatchAxis($"Gather along axis {axis} picks samples (the batch was moved there by {m.Origin})");
        var op = new GatherOp(axis < m.BatchAxis ? axis : axis - 1, Int32s(indices.Longs, "indices")!, indices.Shape);
        Set(0, Moved(ApplySample(m.Inner, op, BaseName()), axis < m.BatchAxis ? m.BatchAxis - 1 + indices.Shape.Length : m.BatchAxis));
    }

    private void SliceMoved(MovedBatchValue m)
    {
        long[] starts, ends, axes, steps;
        if (_opset < 10)
        {
            starts = Ints("starts") ?? throw Malformed("starts is missing");
            ends = Ints("ends") ?? throw Malformed("ends is missing");
            axes = Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            var s = Const(1, "starts"); var e = Const(2, "ends");
            if (s.DependsOnBatch || e.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "slice bounds depend on the batch size");
            starts = s.Longs; ends = e.Longs;
            axes = In(3) is null ? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray() : Const(3, "axes").Longs;
            steps = In(4) is null ? Enumerable.Repeat(1L, starts.Length).ToArray() : Const(4, "steps").Longs;
        }
        var norm = axes.Select(a => Axis(a, m.Rank)).ToArray();
        var keep = Enumerable.Range(0, norm.Length).Where(i => norm[i] != m.BatchAxis).ToArray();
        foreach (int i in Enumerable.Range(0, norm.Length).Except(keep))
            if (!(starts[i] == 0 && ends[i] >= int.MaxValue && steps[i] == 1)) throw BatchAxis($"slicing axis {norm[i]} selects samples (the batch was moved there by {m.Origin})");
        if (keep.Length == 0) { Set(0, m); return; }
        var op = new SliceOp(keep.Select(i => norm[i] < m.BatchAxis ? norm[i] : norm[i] - 1).ToArray(), keep.Select(i => starts[i]).ToArray(),
            keep.Select(i => ends[i]).ToArray(), keep.Select(i => steps[i]).ToArray());
        Set(0, Moved(ApplySample(m.Inner, op, BaseName()), m.BatchAxis));
    }

    private bool ConcatMoved()
    {
        var parts = Enumerable.Range(0, _node.Input.Count).Where(i => _node.Input[i].Length > 0).Select(i => (Name: _node.Input[i], Value: Get(_node.Input[i]))).ToArray();
        if (!parts.Any(p => p.Value is MovedBatchValue)) return false;
        var first = (MovedBatchValue)parts.First(p => p.Value is MovedBatchValue).Value;
        foreach (var (_, value) in parts)
            if (value is MovedBatchValue { Merge: not 0 } merged) throw new MergedBatchException(merged.Origin);
        foreach (var (name, value) in parts)
            if (value is not MovedBatchValue mv || mv.BatchAxis != first.BatchAxis)
                throw BatchAxis($"Concat joins '{name}' with values whose batch is on axis {first.BatchAxis} (moved by {first.Origin})");
        int axis = Axis(Int("axis", 0), first.Rank);
        if (axis == first.BatchAxis) throw BatchAxis($"concatenation along axis {axis} stacks samples (the batch was moved there by {first.Origin})");
        var inputs = parts.Select(p => ((MovedBatchValue)p.Value).Inner switch
        {
            RuntimeValue r => r,
            BatchConstValue b => Materialize(b, BaseName() + ".broadcast"),
            _ => throw new InvalidOperationException("not a batched value"),
        }).ToArray();
        var y = inputs.Length == 1 ? inputs[0] : Emit(new ConcatOp(axis < first.BatchAxis ? axis : axis - 1, inputs.Length), BaseName(), inputs);
        Set(0, Moved(y, first.BatchAxis));
        return true;
    }
}
