using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Structural ops (reshapes, transposes, slices, gathers, padding, reductions) and the constant-valued ops that
/// make up shape computations. On runtime values they become per-sample IR ops and must leave axis 0 alone; on
/// constants — including shape vectors symbolic in the batch size N — they are evaluated here.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private void Identity() => Set(0, In(0) ?? throw Malformed("input 0 is missing"));

    private void Dropout()
    {
        OnlyFirstOutput("mask");
        if (In(2) is ConstValue training && training.Values.Any(v => v != 0))
            throw Fail(OnnxImportError.UnsupportedVariant, "training_mode = true makes the output random; only inference is supported");
        Identity();
    }

    private void Constant() => Set(0, ConstantOf(_node));

    private ConstValue ConstantOf(NodeProto node)
    {
        var a = node.Attribute.FirstOrDefault() ?? throw Malformed("Constant has no value attribute");
        return a.Name switch
        {
            "value" => new ConstValue(OnnxTensors.Decode(a.T, _source, _options.MaxTensorBytes)),
            "value_float" => ConstValue.Of(Tensor<double>.Scalar(a.F), DataType.Float),
            "value_floats" => ConstValue.Of(Tensor<double>.FromArray(a.Floats.Select(v => (double)v).ToArray(), a.Floats.Count), DataType.Float),
            "value_int" => ConstValue.Of(Tensor<double>.Scalar(a.I), DataType.Int64),
            "value_ints" => ConstValue.Of(Tensor<double>.FromArray(a.Ints.Select(v => (double)v).ToArray(), a.Ints.Count), DataType.Int64),
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"Constant attribute '{a.Name}' is not supported"),
        };
    }

    private void Cast()
    {
        var to = (DataType)Int("to", 0);
        bool toFloat = to is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;
        switch (In(0))
        {
            case RuntimeValue when to is DataType.Float16 or DataType.Bfloat16:
                throw Fail(OnnxImportError.UnsupportedVariant, $"casts a computed value to {to}; rounding to half precision is not modelled");
            case RuntimeValue x when toFloat: Set(0, x); break;
            case RuntimeValue: throw Fail(OnnxImportError.UnsupportedVariant, $"casts a computed value to {to}; graph values stay floating-point");
            case ConstValue c when c.Symbols is not null: Set(0, c with { Tensor = c.Tensor with { Type = to } }); break;
            case ConstValue c:
                var data = to == DataType.Bool ? c.Tensor.Data.Map(v => v != 0 ? 1.0 : 0.0)
                    : toFloat ? c.Tensor.Data.Map(v => to == DataType.Float ? (float)v : v)
                    : c.Tensor.Data.Map(Math.Truncate);
                Set(0, ConstValue.Of(data, to));
                break;
            default: throw Malformed("input 0 is missing");
        }
    }

    private void Shape()
    {
        var dims = In(0) switch
        {
            RuntimeValue x => [SymDim.Batch, .. x.Shape.Select(d => SymDim.Of(d))],
            ConstValue c => c.Shape.Select(d => SymDim.Of(d)).ToArray(),
            _ => throw Malformed("input 0 is missing"),
        };
        int rank = dims.Length;
        long Clamp(long v) => Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        int start = (int)Clamp(Int("start", 0)), end = (int)Clamp(Int("end", rank));
        Set(0, ConstValue.Symbolic(dims[start..Math.Max(start, end)]));
    }

    /// <summary>Applies an element-moving function to a constant, carrying batch symbols along.</summary>
    private static ConstValue Rearrange(ConstValue c, Func<Tensor<double>, Tensor<double>> move)
    {
        var data = move(c.Tensor.Data);
        if (c.Symbols is null) return ConstValue.Of(data, c.Tensor.Type);
        var flags = move(new Tensor<double>(c.Symbols.Select(s => s.HasBatch ? 1.0 : 0).ToArray(), c.Shape)).ToArray();
        var coefficients = data.ToArray();
        return ConstValue.Symbolic(coefficients.Select((v, i) => new SymDim((long)v, flags[i] != 0)).ToArray(), data.ShapeArray());
    }

    /// <summary>Evaluates a per-sample IR op on a constant by treating its full shape as one sample.</summary>
    private static ConstValue Fold(ConstValue c, Op op) => Rearrange(c, t =>
    {
        var g = new Graph([new InputSpec("x", t.ShapeArray())], [new Node("op", op, ["x"])], ["op"]);
        var y = new Model<double>(g, new Dictionary<string, Tensor<double>>()).Predict(t.Reshape([1, .. t.ShapeArray()]))[0];
        return y.Reshape(y.ShapeArray()[1..]);
    });

    private void ReshapeNode()
    {
        var target = Const(1, "shape").Dims;
        bool allowZero = Int("allowzero", 0) != 0;
        if (In(0) is ConstValue c)
        {
            if (target.Any(t => t.HasBatch)) throw Fail(OnnxImportError.UnsupportedVariant, "reshapes a constant to a batch-dependent shape");
            var shape = Int32s(target.Select((t, i) => t.Value == 0 && !allowZero ? (i < c.Shape.Length ? c.Shape[i] : throw Malformed($"shape entry {i} copies a dimension the input does not have")) : t.Value), "shape")!;
            Set(0, Rearrange(c, t => t.Reshape(shape)));
            return;
        }
        var x = Runtime(0);
        var full = target.Select((t, i) => !t.HasBatch && t.Coefficient == 0 && !allowZero
            ? (i == 0 ? SymDim.Batch : i <= x.Shape.Length ? SymDim.Of(x.Shape[i - 1]) : throw Malformed($"shape entry {i} copies a dimension the input does not have"))
            : t).ToArray();
        if (full.Length == 0) throw BatchAxis("reshaping to a scalar drops the batch axis");
        if (full.Skip(1).FirstOrDefault(t => t.HasBatch) is { HasBatch: true } merged)
            throw BatchAxis($"target shape [{string.Join(", ", full)}] merges the batch size into a feature axis ({merged})");
        var rest = full.Skip(1).Select(t => t.Coefficient).ToArray();
        int size = Shapes.Size(x.Shape);
        bool restFits = rest.Count(v => v == -1) == 1 ? rest.Where(v => v != -1).Aggregate(1L, (p, v) => p * v) is long k && k > 0 && size % k == 0
            : rest.Aggregate(1L, (p, v) => p * v) == size;
        bool keepsBatch = full[0].IsBatch
            || !full[0].HasBatch && full[0].Coefficient == -1 && !rest.Contains(-1) && restFits
            || !full[0].HasBatch && full[0].Coefficient == _declaredBatch && restFits;
        if (!keepsBatch) throw BatchAxis($"target shape [{string.Join(", ", full)}] for input [N, {string.Join(", ", x.Shape)}] changes the batch axis");
        if (rest.Contains(-1))
        {
            long known = rest.Where(v => v != -1).Aggregate(1L, (p, v) => p * v);
            rest[Array.IndexOf(rest, -1L)] = size / known;
        }
        Set(0, Reshape(x, Int32s(rest, "shape")!));
    }

    private long[] AxesInput(int input, string attr)
        => _opset >= 13 || attr == "axes18" ? (In(input) is null ? [] : Const(input, "axes").Longs) : Ints(attr) ?? [];

    private void Squeeze(bool unsqueeze)
    {
        var axes = AxesInput(1, "axes");
        var v = In(0) ?? throw Malformed("input 0 is missing");
        var shape = v is RuntimeValue r ? [-1, .. r.Shape] : ((ConstValue)v).Shape;
        List<int> result;
        if (unsqueeze)
        {
            int rank = shape.Length + axes.Length;
            var at = axes.Select(a => Axis(a, rank)).ToHashSet();
            if (v is RuntimeValue && at.Contains(0)) throw BatchAxis("Unsqueeze inserts an axis before the batch axis");
            result = new();
            int next = 0;
            for (int i = 0; i < rank; i++) result.Add(at.Contains(i) ? 1 : shape[next++]);
        }
        else
        {
            var at = axes.Length == 0 ? Enumerable.Range(v is RuntimeValue ? 1 : 0, shape.Length - (v is RuntimeValue ? 1 : 0)).Where(i => shape[i] == 1).ToHashSet()
                : axes.Select(a => Axis(a, shape.Length)).ToHashSet();
            if (v is RuntimeValue && at.Contains(0)) throw BatchAxis("Squeeze removes the batch axis");
            foreach (var a in at) if (shape[a] != 1) throw Malformed($"cannot squeeze axis {a} of size {shape[a]}");
            result = shape.Where((_, i) => !at.Contains(i)).ToList();
        }
        if (v is ConstValue c) Set(0, Rearrange(c, t => t.Reshape(result.ToArray())));
        else Set(0, Reshape((RuntimeValue)v, result.Skip(1).ToArray()));
    }

    private void Transpose()
    {
        var v = In(0) ?? throw Malformed("input 0 is missing");
        int rank = v is RuntimeValue r ? r.Shape.Length + 1 : ((ConstValue)v).Shape.Length;
        var perm = Int32s(Ints("perm"), "perm") ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (v is ConstValue c) { Set(0, Fold(c, new TransposeOp(perm))); return; }
        var x = (RuntimeValue)v;
        if (perm.Length != rank) throw Malformed($"perm {Shapes.Format(perm)} does not match rank {rank}");
        if (perm[0] != 0) throw BatchAxis($"perm {Shapes.Format(perm)} moves the batch axis");
        var sample = perm[1..].Select(p => p - 1).ToArray();
        Set(0, sample.SequenceEqual(Enumerable.Range(0, sample.Length)) ? x : Emit(new TransposeOp(sample), BaseName(), x));
    }

    private void Concat()
    {
        var parts = Enumerable.Range(0, _node.Input.Count).Select(i => In(i)).Where(p => p is not null).Select(p => p!).ToArray();
        if (parts.Length == 1) { Set(0, parts[0]); return; }
        if (parts.All(p => p is ConstValue))
        {
            var consts = parts.Cast<ConstValue>().Where(c => Shapes.Size(c.Shape) > 0 || c.Shape.Length > 1).ToArray();
            int axis = Axis(Int("axis", 0), consts[0].Shape.Length);
            if (consts.All(c => c.Symbols is null && c.Shape.Length == consts[0].Shape.Length))
            {
                using var _ = Noether.Tensors.Autodiff.GradMode.NoGrad();
                var joined = Noether.Tensors.Autodiff.Ops.Concat(consts.Select(c => Noether.Tensors.Autodiff.Variable<double>.Constant(c.Tensor.Data)).ToArray(), axis).Value;
                Set(0, ConstValue.Of(joined, consts[0].Tensor.Type));
            }
            else if (consts.All(c => c.Shape.Length == 1)) Set(0, ConstValue.Symbolic(consts.SelectMany(c => c.Dims).ToArray()));
            else throw Fail(OnnxImportError.UnsupportedVariant, "concatenation of batch-dependent shape tensors of rank > 1");
            return;
        }
        if (parts.Any(p => p is ConstValue))
            throw Fail(OnnxImportError.UnsupportedVariant, "concatenates computed values with constants; only all-computed or all-constant inputs are supported");
        var xs = parts.Cast<RuntimeValue>().ToArray();
        int a = Axis(Int("axis", 0), xs[0].Shape.Length + 1);
        if (a == 0) throw BatchAxis("concatenation along axis 0 stacks samples");
        Set(0, Emit(new ConcatOp(a - 1, xs.Length), BaseName(), xs));
    }

    private void Gather()
    {
        var indices = In(1) as ConstValue ?? throw Fail(OnnxImportError.UnsupportedVariant, "indices computed at run time are not supported (only fixed indices)");
        if (indices.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "indices depend on the batch size");
        var idx = Int32s(indices.Longs, "indices")!;
        switch (In(0))
        {
            case ConstValue { Initializer: not null } c when c.Tensor.IsFloat && c.Shape.Length >= 2 && _batchReference is not null && _keepOpaque:
                {
                    // Rows of a learned table (GPT-2's positions: wpe[arange(T)]): the whole table stays a parameter,
                    // repeated per sample, and the rows are picked at run time, so a transform moves every row — also
                    // those a longer sequence than the pinned one would read — and write-back traces them all.
                    var table = Materialize(new BatchConstValue(c.Tensor, c.Initializer), BaseName() + ".table");
                    int rowAxis = Axis(Int("axis", 0), c.Shape.Length);
                    Set(0, Emit(new GatherOp(rowAxis, idx, indices.Shape), BaseName(), table));
                    break;
                }
            case ConstValue c: Set(0, Fold(c, new GatherOp(Axis(Int("axis", 0), c.Shape.Length), idx, indices.Shape))); break;
            case RuntimeValue x:
                int axis = Axis(Int("axis", 0), x.Shape.Length + 1);
                if (axis == 0) throw BatchAxis("Gather along axis 0 picks samples");
                Set(0, Emit(new GatherOp(axis - 1, idx, indices.Shape), BaseName(), x));
                break;
            default: throw Malformed("input 0 is missing");
        }
    }

    private void Slice()
    {
        var v = In(0) ?? throw Malformed("input 0 is missing");
        int rank = v is RuntimeValue r ? r.Shape.Length + 1 : ((ConstValue)v).Shape.Length;
        SymDim[] starts, ends;
        long[] axes, steps;
        if (_opset < 10)
        {
            starts = (Ints("starts") ?? throw Malformed("starts is missing")).Select(SymDim.Of).ToArray();
            ends = (Ints("ends") ?? throw Malformed("ends is missing")).Select(SymDim.Of).ToArray();
            axes = Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = Const(1, "starts").Dims; ends = Const(2, "ends").Dims;
            axes = In(3) is null ? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray() : Const(3, "axes").Longs;
            steps = In(4) is null ? Enumerable.Repeat(1L, starts.Length).ToArray() : Const(4, "steps").Longs;
        }
        var norm = axes.Select(a => Axis(a, rank)).ToArray();
        var keep = new List<int>();
        for (int i = 0; i < norm.Length; i++)
        {
            if (v is ConstValue || norm[i] != 0) { keep.Add(i); continue; }
            // On the batch axis only the full slice is allowed.
            bool fromStart = !starts[i].HasBatch && starts[i].Coefficient == 0 || starts[i].HasBatch && starts[i].Coefficient == -1;
            bool toEnd = ends[i].IsBatch || !ends[i].HasBatch && (ends[i].Coefficient >= int.MaxValue || ends[i].Coefficient == _declaredBatch);
            if (!(fromStart && toEnd && steps[i] == 1)) throw BatchAxis($"slicing axis 0 [{starts[i]}:{ends[i]}:{steps[i]}] selects samples");
        }
        if (keep.Any(i => starts[i].HasBatch || ends[i].HasBatch)) throw Fail(OnnxImportError.UnsupportedVariant, "slice bounds of a feature axis depend on the batch size");
        int shift = v is RuntimeValue ? 1 : 0;
        var op = new SliceOp(keep.Select(i => norm[i] - shift).ToArray(), keep.Select(i => starts[i].Value).ToArray(),
            keep.Select(i => ends[i].Value).ToArray(), keep.Select(i => steps[i]).ToArray());
        if (v is ConstValue c) Set(0, Fold(c, op));
        else Set(0, keep.Count == 0 ? v : Emit(op, BaseName(), (RuntimeValue)v));
    }

    private void Pad()
    {
        var mode = Str("mode", "constant") switch
        {
            "constant" => PadMode.Constant, "reflect" => PadMode.Reflect, "edge" => PadMode.Edge,
            var m => throw Fail(OnnxImportError.UnsupportedVariant, $"mode '{m}' is not supported (constant, reflect, edge)"),
        };
        long[] pads;
        double value;
        if (_opset < 11) { pads = Ints("pads") ?? throw Malformed("pads is missing"); value = Float("value", 0); }
        else
        {
            pads = Const(1, "pads").Longs;
            value = In(2) is null ? 0 : Const(2, "constant_value").Values.FirstOrDefault();
            if (In(3) is not null) throw Fail(OnnxImportError.UnsupportedVariant, "the axes input is not supported");
        }
        var v = In(0) ?? throw Malformed("input 0 is missing");
        if (v is ConstValue c)
        {
            var amounts = Int32s(pads, "pads")!;
            if (amounts.Length != 2 * c.Shape.Length) throw Malformed($"{amounts.Length} pad amounts for rank {c.Shape.Length}");
            CheckBudget(c.Shape.Select((d, i) => (long)d + amounts[i] + amounts[i + c.Shape.Length]), "the padded constant");
            Set(0, Fold(c, new PadOp(amounts, mode, value)));
            return;
        }
        var x = (RuntimeValue)v;
        int rank = x.Shape.Length + 1;
        if (pads.Length != 2 * rank) throw Malformed($"{pads.Length} pad amounts for rank {rank}");
        if (pads[0] != 0 || pads[rank] != 0) throw BatchAxis($"pads [{string.Join(", ", pads)}] pad axis 0");
        var sample = Int32s(pads.Where((_, i) => i != 0 && i != rank), "pads")!;
        Set(0, sample.All(p => p == 0) ? x : Emit(new PadOp(sample, mode, value), BaseName(), x));
    }

    private void Expand()
    {
        var shape = Const(1, "shape").Dims;
        if (Raw(0) is ConstValue c && !c.DependsOnBatch && shape.Length >= c.Shape.Length && shape.Length > 0 && shape[0].IsBatch && !shape.Skip(1).Any(s => s.HasBatch))
        {
            // A constant repeated over the batch (a class token expanded to [N, 1, D]).
            int[] full = [.. Enumerable.Repeat(1, shape.Length - c.Shape.Length), .. c.Shape];
            if (full[0] != 1) throw BatchAxis($"expanding a constant of shape {Shapes.Format(c.Shape)} whose first axis is not 1 over the batch");
            var perSample = Shapes.Broadcast(full[1..], Int32s(shape.Skip(1).Select(d => d.Value), "shape")!, "Expand");
            CheckBudget(perSample, "the expanded constant (per sample)");
            var data = c.Tensor.Data.Reshape(full[1..]);
            bool repeated = !data.Shape.SequenceEqual(perSample);
            Set(0, new BatchConstValue(new OnnxTensor(c.Tensor.Type, repeated ? data.BroadcastTo(perSample).Contiguous() : data), repeated ? null : c.Initializer));
            return;
        }
        if (In(0) is ConstValue)
        {
            c = (ConstValue)In(0)!;
            if (shape.Any(s => s.HasBatch)) throw Fail(OnnxImportError.UnsupportedVariant, "expands a constant to a batch-dependent shape");
            var target = Shapes.Broadcast(c.Shape, Int32s(shape.Select(s => s.Value), "shape")!, "Expand");
            CheckBudget(target, "the expanded constant");
            Set(0, Rearrange(c, t => t.BroadcastTo(target).Contiguous()));
            return;
        }
        var x = Runtime(0);
        int rank = x.Shape.Length + 1;
        if (shape.Length > rank) throw BatchAxis($"Expand to [{string.Join(", ", shape)}] adds axes before the batch axis");
        if (shape.Skip(shape.Length == rank ? 1 : 0).Any(s => s.HasBatch)) throw BatchAxis($"Expand to [{string.Join(", ", shape)}] repeats the batch size along a feature axis");
        if (shape.Length == rank && !(shape[0].IsBatch || !shape[0].HasBatch && (shape[0].Coefficient == 1 || shape[0].Coefficient == _declaredBatch)))
            throw BatchAxis($"Expand to [{string.Join(", ", shape)}] changes the batch size");
        var sample = Int32s(shape.Skip(shape.Length == rank ? 1 : 0).Select(s => s.Value), "shape")!;
        var op = new ExpandOp(sample);
        Set(0, op.InferShape([x.Shape]).SequenceEqual(x.Shape) ? x : Emit(op, BaseName(), x));
    }

    private void ConstantOfShape()
    {
        var shape = Const(0, "shape");
        var a = Attr("value");
        var fill = a is null ? new OnnxTensor(DataType.Float, Tensor<double>.Scalar(0)) : OnnxTensors.Decode(a.T, _source, _options.MaxTensorBytes);
        double value = fill.Data.ToArray().FirstOrDefault();
        if (shape.DependsOnBatch)
        {
            // zeros(N, d, …): the same constant for every sample.
            var dims = shape.Dims;
            if (!dims[0].IsBatch || dims.Skip(1).Any(d => d.HasBatch))
                throw BatchAxis($"ConstantOfShape over [{string.Join(", ", dims)}] puts the batch size on a feature axis");
            var perSample = dims.Skip(1).Select(d => d.Value).ToArray();
            CheckBudget(perSample, "the constant (per sample)");
            Set(0, new BatchConstValue(new OnnxTensor(fill.Type, Tensor<double>.Full(value, Int32s(perSample, "shape")!))));
            return;
        }
        CheckBudget(shape.Longs, "the constant");
        Set(0, ConstValue.Of(Tensor<double>.Full(value, Int32s(shape.Longs, "shape")!), fill.Type));
    }

    private void ReduceMean()
    {
        var v = In(0) ?? throw Malformed("input 0 is missing");
        if (v is RuntimeValue rx && TryFuseLayerNorm(rx)) return;
        var axes = _opset >= 18 ? (In(1) is null ? [] : Const(1, "axes").Longs) : Ints("axes") ?? [];
        bool keep = Int("keepdims", 1) != 0;
        int rank = v is RuntimeValue r ? r.Shape.Length + 1 : ((ConstValue)v).Shape.Length;
        if (axes.Length == 0 && _opset >= 18 && Int("noop_with_empty_axes", 0) != 0) { Set(0, v); return; }
        var at = (axes.Length == 0 ? Enumerable.Range(0, rank) : axes.Select(a => Axis(a, rank))).Distinct().OrderDescending().ToArray();
        if (v is ConstValue c)
        {
            var t = c.Tensor.Data;
            foreach (var a in at) t = t.Mean(a, keep);
            Set(0, ConstValue.Of(t, c.Tensor.Type));
            return;
        }
        var x = (RuntimeValue)v;
        if (at.Contains(0)) throw BatchAxis(axes.Length == 0 ? "ReduceMean without axes averages over all axes, the batch included" : "ReduceMean over axis 0 averages samples");
        var y = x;
        foreach (var a in at) y = Emit(new ReduceMeanOp(a - 1), BaseName(), y);
        if (keep) y = Reshape(y, x.Shape.Select((d, i) => at.Contains(i + 1) ? 1 : d).ToArray(), BaseName() + ".keepdims");
        Set(0, y);
    }
}
