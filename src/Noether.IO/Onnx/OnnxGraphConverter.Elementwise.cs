using Noether.Nn.Operations;
using Noether.Tensors;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>Elementwise ops: binary arithmetic with runtime, parameter or scalar operands, unary functions, Where.</summary>
internal sealed partial class OnnxGraphConverter
{
    private void Binary(BinaryFunction f)
    {
        if (f is BinaryFunction.Max or BinaryFunction.Min && InputCount == 1) { Identity(); return; }
        if (InputCount > 2 && f is BinaryFunction.Max or BinaryFunction.Min)
        {
            // Variadic Max/Min: a left fold over the operands.
            var acc = Raw(0)!;
            for (int i = 1; i < _node.Input.Count; i++) acc = Combine(f, acc, Raw(i) ?? throw Malformed($"operand {i} is missing"));
            Set(0, acc);
            return;
        }
        if (InputCount != 2) throw Fail(OnnxImportError.UnsupportedVariant, $"{InputCount} operands; {f} takes two");
        if (f == BinaryFunction.Div && TryFuseGelu()) return;
        Set(0, Combine(f, Raw(0)!, Raw(1)!));
    }

    private OnnxValue Combine(BinaryFunction f, OnnxValue a, OnnxValue b)
    {
        switch (a, b)
        {
            case (ConstValue ca, ConstValue cb): return FoldBinary(f, ca, cb);
            case (RuntimeValue ra, RuntimeValue rb):
                if (ra.Shape.Length != rb.Shape.Length)
                    throw BatchAxis($"broadcasting per-sample shapes {Shapes.Format(ra.Shape)} and {Shapes.Format(rb.Shape)} of different rank would align one operand's batch axis with a feature axis of the other");
                // A sum of equal shapes is the residual AddOp the symmetry analysis knows; anything else stays general.
                return Emit(f == BinaryFunction.Add && ra.Shape.SequenceEqual(rb.Shape) ? new AddOp() : new ElementwiseBinaryOp(f), BaseName(), ra, rb);
            case (BatchConstValue ba, BatchConstValue bb):
                if (ba.Shape.Length != bb.Shape.Length) throw BatchAxis("batch-repeated constants of different ranks would misalign their batch axes");
                return new BatchConstValue(FoldBinary(f, new ConstValue(ba.PerSample), new ConstValue(bb.PerSample)).Tensor);
            case (BatchConstValue bc, ConstValue cc): return new BatchConstValue(PerSampleFold(f, bc, cc, false));
            case (ConstValue cc, BatchConstValue bc): return new BatchConstValue(PerSampleFold(f, bc, cc, true));
        }
        bool constFirst = a is not RuntimeValue;
        var x = (RuntimeValue)(constFirst ? b : a);
        var other = constFirst ? a : b;
        if (other is BatchConstValue batchConst)
        {
            if (batchConst.Shape.Length != x.Shape.Length)
                throw BatchAxis($"a batch-repeated constant of per-sample shape {Shapes.Format(batchConst.Shape)} and a value of per-sample shape {Shapes.Format(x.Shape)} have different ranks");
            return WithConstant(f, x, batchConst.PerSample.Data, batchConst.Initializer, constFirst);
        }
        var c = (ConstValue)other;
        if (c.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "an operand computed from the batch size meets a graph value");
        var shape = c.Shape;
        while (shape.Length > x.Shape.Length && shape[0] == 1) shape = shape[1..];
        if (shape.Length > x.Shape.Length)
            throw BatchAxis($"the constant operand of shape {Shapes.Format(c.Shape)} varies along the batch axis of a value with per-sample shape {Shapes.Format(x.Shape)}");
        return WithConstant(f, x, c.Tensor.Data.Reshape(shape), c.Initializer, constFirst);
    }

    /// <summary>f(x, c) for a per-sample constant: a ScalarBinaryOp for one element, else a ParameterBinaryOp.</summary>
    private RuntimeValue WithConstant(BinaryFunction f, RuntimeValue x, Tensor<double> data, string? initializer, bool constFirst)
    {
        if (data.Length == 1) return Emit(new ScalarBinaryOp(f, data.ToArray()[0], constFirst), BaseName(), x);
        bool trainable = initializer is not null;
        string role = initializer is { } init && init.LastIndexOf('.') is int dot && dot > 0 && dot < init.Length - 1 ? Sanitize(init[(dot + 1)..]) : trainable ? "weight" : "constant";
        var y = Emit(new ParameterBinaryOp(f, data.ShapeArray(), constFirst, role, trainable), trainable ? OwnerName(initializer) : BaseName(), x);
        AddParameter(y, role, data);
        return y;
    }

    /// <summary>f of a batch-repeated constant [N, …s] and a constant, evaluated per sample.</summary>
    private OnnxTensor PerSampleFold(BinaryFunction f, BatchConstValue b, ConstValue c, bool constFirst)
    {
        var shape = c.Shape;
        while (shape.Length > b.Shape.Length && shape[0] == 1) shape = shape[1..];
        if (shape.Length > b.Shape.Length || c.DependsOnBatch) throw BatchAxis($"the constant of shape {Shapes.Format(c.Shape)} varies along the batch axis");
        var cs = new ConstValue(c.Tensor with { Data = c.Tensor.Data.Reshape(shape) });
        var bs = new ConstValue(b.PerSample);
        return (constFirst ? FoldBinary(f, cs, bs) : FoldBinary(f, bs, cs)).Tensor;
    }

    private ConstValue FoldBinary(BinaryFunction f, ConstValue a, ConstValue b)
    {
        bool integer = a.Tensor.Type is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16 or DataType.Uint32 or DataType.Uint64;
        if ((a.Symbols is not null || b.Symbols is not null) && f is BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul or BinaryFunction.Div)
        {
            SymDim[] x = a.Dims, y = b.Dims;
            int n = Math.Max(x.Length, y.Length);
            if (x.Length != n && x.Length != 1 || y.Length != n && y.Length != 1) throw Malformed("shape arithmetic on vectors of different lengths");
            var r = Enumerable.Range(0, n).Select(i =>
            {
                SymDim p = x[x.Length == 1 ? 0 : i], q = y[y.Length == 1 ? 0 : i];
                return f switch { BinaryFunction.Add => p + q, BinaryFunction.Sub => p - q, BinaryFunction.Mul => p * q, _ => p / q };
            }).ToArray();
            return ConstValue.Symbolic(r, a.Shape.Length >= b.Shape.Length ? a.Shape : b.Shape);
        }
        Tensor<double> p0 = a.Tensor.Data, q0 = b.Tensor.Data;
        var result = f switch
        {
            BinaryFunction.Add => p0 + q0, BinaryFunction.Sub => p0 - q0, BinaryFunction.Mul => p0 * q0,
            BinaryFunction.Div => integer ? (p0 / q0).Map(Math.Truncate) : p0 / q0,
            BinaryFunction.Pow => p0.Pow(q0), BinaryFunction.Max => p0.Maximum(q0), _ => p0.Minimum(q0),
        };
        return ConstValue.Of(result, a.Tensor.Type);
    }

    private void Unary(UnaryFunction f)
    {
        switch (In(0))
        {
            case RuntimeValue x: Set(0, Emit(new ElementwiseUnaryOp(f), BaseName(), x)); break;
            case ConstValue c:
                {
                    using var _ = Noether.Tensors.Autodiff.GradMode.NoGrad();
                    var v = Noether.Tensors.Autodiff.Variable<double>.Constant(c.Tensor.Data);
                    Set(0, ConstValue.Of(f.Apply(v).Value, c.Tensor.Type));
                    break;
                }
            default: throw Malformed("input 0 is missing");
        }
    }

    /// <summary>
    /// Equality of constants only (shape logic such as PyTorch's expand(-1) → Where(Equal(shape, −1), 1, shape)); the
    /// batch size N is positive, so it never equals a literal below 1.
    /// </summary>
    private void Equal()
    {
        if (In(0) is not ConstValue a || In(1) is not ConstValue b)
            throw Fail(OnnxImportError.UnsupportedVariant, "comparing computed values yields booleans, which graph values cannot hold; only constant (shape) comparisons are folded");
        var shape = Shapes.Broadcast(a.Shape, b.Shape, "Equal");
        SymDim[] x = a.Dims, y = b.Dims;
        var xs = Rearrange(new ConstValue(a.Tensor, null, a.Symbols), t => t.BroadcastTo(shape).Contiguous()).Dims;
        var ys = Rearrange(new ConstValue(b.Tensor, null, b.Symbols), t => t.BroadcastTo(shape).Contiguous()).Dims;
        var result = xs.Select((p, i) =>
        {
            var q = ys[i];
            if (p.HasBatch == q.HasBatch) return p.Coefficient == q.Coefficient ? 1.0 : 0.0;
            var literal = p.HasBatch ? q : p;
            var batch = p.HasBatch ? p : q;
            if (batch.Coefficient > 0 && literal.Coefficient < 1) return 0.0;
            throw Fail(OnnxImportError.UnsupportedVariant, $"cannot decide whether {p} equals {q} for every batch size");
        }).ToArray();
        Set(0, ConstValue.Of(new Tensor<double>(result, shape), DataType.Bool));
    }

    private void Where_()
    {
        var condition = Const(0, "condition");
        if (condition.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "the condition depends on the batch size");
        if (Raw(1) is ConstValue symA && Raw(2) is ConstValue symB && (symA.Symbols is not null || symB.Symbols is not null))
        {
            // Shape logic: pick symbolic entries elementwise.
            var shape = Shapes.Broadcast(Shapes.Broadcast(condition.Shape, symA.Shape, "Where"), symB.Shape, "Where");
            var pick = condition.Tensor.Data.BroadcastTo(shape).ToArray();
            var xa = Rearrange(symA, t => t.BroadcastTo(shape).Contiguous()).Dims;
            var xb = Rearrange(symB, t => t.BroadcastTo(shape).Contiguous()).Dims;
            Set(0, ConstValue.Symbolic(pick.Select((c, i) => c != 0 ? xa[i] : xb[i]).ToArray(), shape));
            return;
        }
        var (a, b) = (In(1) ?? throw Malformed("X is missing"), In(2) ?? throw Malformed("Y is missing"));
        if (a is ConstValue ca && b is ConstValue cb)
        {
            var shape = Shapes.Broadcast(Shapes.Broadcast(condition.Shape, ca.Shape, "Where"), cb.Shape, "Where");
            var c = condition.Tensor.Data.BroadcastTo(shape).ToArray();
            var x = ca.Tensor.Data.BroadcastTo(shape).ToArray(); var y = cb.Tensor.Data.BroadcastTo(shape).ToArray();
            Set(0, ConstValue.Of(new Tensor<double>(c.Select((v, i) => v != 0 ? x[i] : y[i]).ToArray(), shape), ca.Tensor.Type));
            return;
        }
        double? Scalar(OnnxValue v, string name) => v switch
        {
            RuntimeValue => null,
            ConstValue c when Shapes.Size(c.Shape) == 1 && !c.DependsOnBatch => c.Values[0],
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"{name} is a constant tensor; only scalars or computed values are supported as branches"),
        };
        double? sa = Scalar(a, "X"), sb = Scalar(b, "Y");
        var runtime = new[] { a, b }.OfType<RuntimeValue>().ToArray();
        if (runtime.Length == 2 && runtime[0].Shape.Length != runtime[1].Shape.Length)
            throw BatchAxis($"branches of per-sample shapes {Shapes.Format(runtime[0].Shape)} and {Shapes.Format(runtime[1].Shape)} have different ranks");
        int rank = runtime.Max(r => r.Shape.Length);
        var cs = condition.Shape;
        while (cs.Length > rank && cs[0] == 1) cs = cs[1..];
        if (cs.Length > rank) throw BatchAxis($"the condition of shape {Shapes.Format(condition.Shape)} varies along the batch axis");
        var w = Emit(new WhereOp(cs, sa, sb), BaseName(), runtime);
        AddParameter(w, "condition", condition.Tensor.Data.Reshape(cs).Map(v => v != 0 ? 1.0 : 0.0));
        Set(0, w);
    }

    // ---- fusions of decomposed layers --------------------------------------------------------------------------

    /// <summary>A constant by value name, also when its Constant node comes later in the file (fusions look ahead).</summary>
    private ConstValue? StaticConst(string name)
    {
        if (_values.GetValueOrDefault(name) is ConstValue c) return c;
        return _producers.TryGetValue(name, out int k) && _graph.Node[k].OpType == "Constant" ? ConstantOf(_graph.Node[k]) : null;
    }

    private bool IsScalar(string name, double value, double tolerance)
        => StaticConst(name) is { } c && !c.DependsOnBatch && Shapes.Size(c.Shape) == 1 && Math.Abs(c.Values[0] - value) <= tolerance;

    /// <summary>The other input of a two-input node that reads <paramref name="value"/>.</summary>
    private static string? Other(Onnx.NodeProto n, string value) => n.Input.Count == 2 && n.Input[0] == value ? n.Input[1] : n.Input.Count == 2 && n.Input[1] == value ? n.Input[0] : null;

    private Onnx.NodeProto? Next(string value, string opType)
        => SoleConsumer(value) is int k && _graph.Node[k].OpType == opType && !_fused.Contains(k) ? _graph.Node[k] : null;

    private void Skip(params Onnx.NodeProto[] nodes)
    {
        foreach (var n in nodes) _fused.Add(_graph.Node.IndexOf(n));
    }

    /// <summary>GELU as exported by PyTorch before opset 20: x · 0.5 · (1 + erf(x / √2)).</summary>
    private bool TryFuseGelu()
    {
        if (In(0) is not RuntimeValue x || !IsScalar(_node.Input[1], Math.Sqrt(2), 1e-3)) return false;
        string xName = _node.Input[0];
        var erf = Next(_node.Output[0], "Erf");
        var add = erf is null ? null : Next(erf.Output[0], "Add");
        if (add is null || !IsScalar(Other(add, erf!.Output[0]) ?? "", 1, 1e-6)) return false;
        var mul = Next(add.Output[0], "Mul");
        if (mul is null || Other(mul, add.Output[0]) != xName) return false;
        var half = Next(mul.Output[0], "Mul");
        if (half is null || !IsScalar(Other(half, mul.Output[0]) ?? "", 0.5, 1e-6)) return false;
        Skip(erf, add, mul, half);
        _values[half.Output[0]] = Emit(new ActivationOp(Activation.Gelu), NameOf(half), x);
        return true;
    }

    /// <summary>
    /// LayerNorm as exported by PyTorch before opset 17: ReduceMean → Sub → Pow 2 → ReduceMean → Add ε → Sqrt → Div
    /// (→ Mul γ → Add β), all over the last axis. Called at the first ReduceMean.
    /// </summary>
    private bool TryFuseLayerNorm(RuntimeValue x)
    {
        bool LastAxisMean(Onnx.NodeProto n)
        {
            var axes = n.Attribute.FirstOrDefault(a => a.Name == "axes")?.Ints.ToArray()
                ?? (n.Input.Count > 1 && n.Input[1].Length > 0 ? StaticConst(n.Input[1])?.Longs : null);
            bool keep = n.Attribute.FirstOrDefault(a => a.Name == "keepdims") is not { } k || k.I != 0;
            return keep && axes is { Length: 1 } && (axes[0] == -1 || axes[0] == x.Shape.Length);
        }
        if (!LastAxisMean(_node)) return false;
        string xName = _node.Input[0];
        var sub = Next(_node.Output[0], "Sub");
        if (sub is null || sub.Input[0] != xName || sub.Input[1] != _node.Output[0]) return false;
        string centered = sub.Output[0];
        if (_graphOutputs.Contains(centered) || !_consumers.TryGetValue(centered, out var readers)) return false;
        var users = readers.Distinct().ToList(); // Mul(d, d) reads d twice
        if (users.Count != 2) return false;
        var square = _graph.Node[users[0]];
        var div = _graph.Node[users[1]];
        if (square.OpType == "Div") (square, div) = (div, square);
        bool isSquare = square.OpType == "Pow" && square.Input[0] == centered && IsScalar(square.Input[1], 2, 0)
            || square.OpType == "Mul" && square.Input[0] == centered && square.Input[1] == centered;
        if (!isSquare || div.OpType != "Div" || div.Input[0] != centered) return false;
        var mean2 = Next(square.Output[0], "ReduceMean");
        if (mean2 is null || !LastAxisMean(mean2)) return false;
        var addEps = Next(mean2.Output[0], "Add");
        var epsName = addEps is null ? null : Other(addEps, mean2.Output[0]);
        if (epsName is null || StaticConst(epsName) is not { } eps || Shapes.Size(eps.Shape) != 1) return false;
        var sqrt = Next(addEps!.Output[0], "Sqrt");
        if (sqrt is null || div.Input[1] != sqrt.Output[0] || SoleConsumer(sqrt.Output[0]) is null) return false;
        int d = x.Shape[^1];
        ConstValue? Vector(Onnx.NodeProto? n, string input)
            => n is not null && Other(n, input) is { } o && StaticConst(o) is { } c && !c.DependsOnBatch && Shapes.Size(c.Shape) == d && c.Shape[^1] == d ? c : null;
        var last = div;
        var mulGamma = Next(div.Output[0], "Mul");
        var gamma = Vector(mulGamma, div.Output[0]);
        Onnx.NodeProto? addBeta = null;
        ConstValue? beta = null;
        if (gamma is not null)
        {
            last = mulGamma!;
            addBeta = Next(mulGamma!.Output[0], "Add");
            beta = Vector(addBeta, mulGamma.Output[0]);
            if (beta is not null) last = addBeta!;
        }
        var nodes = new List<Onnx.NodeProto> { sub, square, mean2, addEps, sqrt, div };
        if (gamma is not null) nodes.Add(mulGamma!);
        if (beta is not null) nodes.Add(addBeta!);
        Skip(nodes.ToArray());
        var saved = _node;
        // A float32 ε is widened through its shortest decimal form (1e-5f → 1e-5), as attributes are.
        double epsilon = eps.Tensor.Type == DataType.Float ? double.Parse(((float)eps.Values[0]).ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture) : eps.Values[0];
        EmitLayerNorm(x, x.Shape.Length - 1, epsilon, gamma?.Tensor.Data.Reshape(d), beta?.Tensor.Data.Reshape(d), ParameterOwnerName(gamma, beta));
        _values[last.Output[0]] = _values[saved.Output[0]];
        _values.Remove(saved.Output[0]);
        return true;
    }
}
