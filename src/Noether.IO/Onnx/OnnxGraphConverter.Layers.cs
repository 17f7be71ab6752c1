using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>Layers with weights (Gemm, MatMul, Conv, norms), activations, softmax and pooling.</summary>
internal sealed partial class OnnxGraphConverter
{
    private Dictionary<string, Action> Handlers() => new()
    {
        ["Gemm"] = Gemm, ["MatMul"] = MatMul, ["Conv"] = Conv,
        ["ConvTranspose"] = ConvTranspose, ["Resize"] = Resize, ["Upsample"] = Resize, ["LSTM"] = () => Recurrent(lstm: true), ["GRU"] = () => Recurrent(lstm: false),
        ["BatchNormalization"] = BatchNormalization, ["LayerNormalization"] = LayerNormalization,
        ["Relu"] = () => Activate(Activation.Relu), ["LeakyRelu"] = () => Activate(Activation.LeakyRelu(Float("alpha", 0.01))),
        ["Sigmoid"] = () => Activate(Activation.Sigmoid), ["Tanh"] = () => Activate(Activation.Tanh),
        ["Softplus"] = () => Activate(Activation.Softplus), ["Abs"] = () => Activate(Activation.Abs), ["Gelu"] = Gelu,
        ["Softmax"] = Softmax, ["MaxPool"] = () => Pool(max: true), ["AveragePool"] = () => Pool(max: false),
        ["GlobalAveragePool"] = GlobalAveragePool, ["Flatten"] = Flatten,
        ["Add"] = () => Binary(BinaryFunction.Add), ["Sub"] = () => Binary(BinaryFunction.Sub), ["Mul"] = () => Binary(BinaryFunction.Mul),
        ["Div"] = () => Binary(BinaryFunction.Div), ["Pow"] = () => Binary(BinaryFunction.Pow),
        ["Max"] = () => Binary(BinaryFunction.Max), ["Min"] = () => Binary(BinaryFunction.Min),
        ["Sqrt"] = () => Unary(UnaryFunction.Sqrt), ["Erf"] = () => Unary(UnaryFunction.Erf), ["Exp"] = () => Unary(UnaryFunction.Exp),
        ["Log"] = () => Unary(UnaryFunction.Log), ["Neg"] = () => Unary(UnaryFunction.Neg), ["Reciprocal"] = () => Unary(UnaryFunction.Reciprocal),
        ["Sin"] = () => Unary(UnaryFunction.Sin), ["Cos"] = () => Unary(UnaryFunction.Cos), ["Where"] = Where_,
        ["Identity"] = Identity, ["Dropout"] = Dropout, ["Constant"] = Constant, ["Cast"] = Cast, ["Shape"] = Shape,
        ["Reshape"] = ReshapeNode, ["Squeeze"] = () => Squeeze(unsqueeze: false), ["Unsqueeze"] = () => Squeeze(unsqueeze: true),
        ["Transpose"] = Transpose, ["Concat"] = Concat, ["Gather"] = Gather, ["Slice"] = Slice, ["Pad"] = Pad,
        ["Expand"] = Expand, ["ConstantOfShape"] = ConstantOfShape, ["ReduceMean"] = ReduceMean, ["Equal"] = Equal,
        ["Clip"] = Clip, ["HardSigmoid"] = HardSigmoid, ["HardSwish"] = HardSwish, ["Split"] = Split, ["Range"] = Range, ["Einsum"] = Einsum, ["If"] = If,
        ["Greater"] = () => Compare("Greater"), ["Less"] = () => Compare("Less"), ["GreaterOrEqual"] = () => Compare("GreaterOrEqual"),
        ["LessOrEqual"] = () => Compare("LessOrEqual"), ["Not"] = () => Logic("Not"), ["And"] = () => Logic("And"), ["Or"] = () => Logic("Or"), ["Xor"] = () => Logic("Xor"),
    };

    // ---- linear layers -----------------------------------------------------------------------------------------

    private void Gemm()
    {
        if (In(1) is not ConstValue b)
            throw Fail(OnnxImportError.UnsupportedVariant, "operand B is computed at run time; Gemm is imported as a Linear layer, which needs B to be an initializer");
        var a = Runtime(0);
        if (Int("transA", 0) != 0) throw BatchAxis("transA = 1 contracts over axis 0 of A");
        if (a.Shape.Length != 1 || b.Shape.Length != 2) throw Malformed($"Gemm needs a matrix A [N, K] and B of rank 2, got per-sample A {Shapes.Format(a.Shape)} and B {Shapes.Format(b.Shape)}");
        // B itself when it is already [out, in] (transB = 1, alpha = 1): no copy of the largest tensors of a model;
        // the importer gives a parameter its own copy at the end wherever two would share storage.
        double alpha = Float("alpha", 1);
        bool transB = Int("transB", 0) != 0;
        int outF = b.Shape[transB ? 0 : 1];
        // Scaled weights are computed here; unscaled ones are the constant itself (see AddParameter).
        var w = alpha == 1 ? null : (transB ? b.Tensor.Data : b.Tensor.Data.Transpose()).Contiguous() * alpha;
        var c = In(2) is null ? null : Const(2, "C");
        Tensor<double>? bias = null;
        double beta = Float("beta", 1);
        if (c is not null && beta != 0)
        {
            var cs = c.Shape;
            if (cs.Length == 2 && cs[0] != 1) throw BatchAxis($"bias C of shape {Shapes.Format(cs)} differs between rows (samples)");
            bias = c.Tensor.Data.Reshape(cs.Length == 2 ? [cs[1]] : cs).BroadcastTo(outF).Contiguous();
            bias = beta == 1 ? bias.Clone() : bias * beta;
        }
        if (w is not null) EmitLinear(a, w, bias, ParameterOwnerName(b, c));
        else EmitLinear(a, b.Tensor, transpose: !transB, bias, ParameterOwnerName(b, c));
    }

    private void EmitLinear(RuntimeValue x, Tensor<double> weight, Tensor<double>? bias, string name)
    {
        var y = Emit(new LinearOp(weight.Dim(1), weight.Dim(0), bias is not null), name, x);
        AddParameter(y, "weight", weight);
        if (bias is not null) AddParameter(y, "bias", bias);
        Set(0, y);
    }

    /// <summary>A Linear layer whose weight is the constant <paramref name="weight"/>, transposed or not.</summary>
    private void EmitLinear(RuntimeValue x, OnnxTensor weight, bool transpose, Tensor<double>? bias, string name)
    {
        var shape = weight.Shape;
        int outF = shape[transpose ? 1 : 0], inF = shape[transpose ? 0 : 1];
        var y = Emit(new LinearOp(inF, outF, bias is not null), name, x);
        AddParameter(y, "weight", weight, transpose);
        if (bias is not null) AddParameter(y, "bias", bias);
        Set(0, y);
    }

    private void MatMul()
    {
        var (a, b) = (In(0), In(1));
        if (a is ConstValue ca && b is ConstValue cb) { Set(0, ConstValue.Of(ca.Tensor.Data.MatMul(cb.Tensor.Data), ca.Tensor.Type)); return; }
        if (a is RuntimeValue x && b is ConstValue w && w.Shape.Length == 2)
        {
            // A bias added right after (PyTorch's Linear on 3-D inputs) joins the Linear layer.
            int outF = w.Shape[1];
            if (SoleConsumer(_node.Output[0]) is int k && _graph.Node[k].OpType == "Add")
            {
                var add = _graph.Node[k];
                var other = add.Input[0] == _node.Output[0] ? add.Input[1] : add.Input[0];
                if (StaticConst(other) is ConstValue c && !c.DependsOnBatch && Shapes.Size(c.Shape) == outF && c.Shape.Length >= 1 && c.Shape[^1] == outF && c.Shape.SkipLast(1).All(d => d == 1))
                {
                    _fused.Add(k);
                    var y = Emit(new LinearOp(w.Shape[0], outF, true), ParameterOwnerName(c, w), x);
                    AddParameter(y, "weight", w.Tensor, transpose: true);
                    AddParameter(y, "bias", c.Tensor.Data.Reshape(outF));
                    _values[add.Output[0]] = y;
                    Set(0, y);
                    return;
                }
            }
            EmitLinear(x, w.Tensor, transpose: true, null, ParameterOwnerName(w));
            return;
        }
        if (a is RuntimeValue l && b is RuntimeValue r)
        {
            if (l.Shape.Length != r.Shape.Length || l.Shape.Length < 2)
                throw BatchAxis($"a product of per-sample shapes {Shapes.Format(l.Shape)} and {Shapes.Format(r.Shape)} would align the batch axis of one operand with a feature axis of the other (both need equal rank ≥ 3)");
            Set(0, Emit(new MatMulOp(), BaseName(), l, r));
            return;
        }
        throw Fail(OnnxImportError.UnsupportedVariant, "only x·W with a 2-D initializer W, or a product of two computed values, is supported");
    }

    private int? SoleConsumer(string value)
        => !_graphOutputs.Contains(value) && _consumers.TryGetValue(value, out var c) && c.Count == 1 ? c[0] : null;

    // ---- convolution and pooling -------------------------------------------------------------------------------

    /// <summary>
    /// Kernel geometry of Conv and the pools, pads as (top, left, bottom, right) after auto_pad. 1-D windows over
    /// [C, L] are lifted to 2-D ones over [C, 1, L] (the caller drops the unit axis again with <see cref="Lower"/>).
    /// </summary>
    private (RuntimeValue X, int[] Kernel, int[] Strides, int[] Dilations, int[] Pads) Window(RuntimeValue x, int[]? kernel)
    {
        int n = x.Shape.Length - 1;
        if (n is not (1 or 2))
            throw Fail(OnnxImportError.UnsupportedVariant, $"only 1-D and 2-D windows ([N, C, L] or [N, C, H, W]) are supported, got per-sample shape {Shapes.Format(x.Shape)}");
        bool InRange(long[]? values, long min) => values is null || values.All(v => v >= min && v <= 1 << 20);
        if (!InRange(Ints("strides"), 1) || !InRange(Ints("dilations"), 1) || !InRange(Ints("pads"), 0) || !InRange(Ints("kernel_shape"), 1))
            throw Malformed("window attributes (kernel_shape, strides, dilations, pads) are out of range");
        kernel ??= Ints("kernel_shape")?.Select(v => (int)v).ToArray() ?? throw Malformed("kernel_shape is missing");
        var strides = Ints("strides")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, n).ToArray();
        var dil = Ints("dilations")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, n).ToArray();
        var pads = Ints("pads")?.Select(v => (int)v).ToArray() ?? new int[2 * n];
        if (kernel.Length != n || strides.Length != n || dil.Length != n || pads.Length != 2 * n || kernel.Any(k => k < 1))
            throw Malformed($"invalid {n}-D window: kernel {Shapes.Format(kernel)}, strides {Shapes.Format(strides)}, dilations {Shapes.Format(dil)}, pads {Shapes.Format(pads)}");
        var autoPad = Str("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int a = 0; a < n; a++)
            {
                int input = x.Shape[a + 1], output = (input + strides[a] - 1) / strides[a];
                int total = Math.Max(0, (output - 1) * strides[a] + (kernel[a] - 1) * dil[a] + 1 - input);
                int small = total / 2, large = total - small;
                (pads[a], pads[a + n]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
            }
        }
        else if (autoPad == "VALID") pads = new int[2 * n];
        else if (autoPad != "NOTSET") throw Malformed($"auto_pad '{autoPad}' is unknown");
        if (n == 2) return (x, kernel, strides, dil, pads);
        var lifted = Reshape(x, [x.Shape[0], 1, x.Shape[1]], BaseName() + ".to2d");
        return (lifted, [1, kernel[0]], [1, strides[0]], [1, dil[0]], [0, pads[0], 0, pads[1]]);
    }

    /// <summary>Undoes the lift of a 1-D window: [C, 1, L] back to [C, L].</summary>
    private RuntimeValue Lower(RuntimeValue y, RuntimeValue original)
        => original.Shape.Length == 2 ? Reshape(y, [y.Shape[0], y.Shape[2]], BaseName() + ".to1d") : y;

    /// <summary>Applies asymmetric padding as an explicit Pad node; returns the input and the symmetric remainder.</summary>
    private (RuntimeValue X, int PadH, int PadW) SplitPads(RuntimeValue x, int[] pads, double fill, int[]? poolKernel = null)
    {
        // Pooling kernels accept at most half a window of implicit padding; more becomes an explicit Pad too.
        bool fitsPool = poolKernel is null || 2 * pads[0] <= poolKernel[0] && 2 * pads[1] <= poolKernel[1];
        if (pads[0] == pads[2] && pads[1] == pads[3] && fitsPool) return (x, pads[0], pads[1]);
        var padded = Emit(new PadOp([0, pads[0], pads[1], 0, pads[2], pads[3]], PadMode.Constant, fill), BaseName() + ".pad", x);
        return (padded, 0, 0);
    }

    private void Conv()
    {
        var x = Runtime(0);
        var w = In(1) as ConstValue ?? throw Fail(OnnxImportError.UnsupportedVariant, "the weight W is computed at run time; it must be an initializer");
        var b = In(2) is null ? null : Const(2, "bias B");
        if (w.Shape.Length != x.Shape.Length + 1 || w.Shape.Length is not (3 or 4))
            throw Fail(OnnxImportError.UnsupportedVariant, $"only 1-D and 2-D convolutions are supported, got input {Shapes.Format(x.Shape)} and weight {Shapes.Format(w.Shape)}");
        var (input, kernel, strides, dil, pads) = Window(x, w.Shape[2..]);
        long group = Int("group", 1);
        if (group < 1 || group > w.Shape[0] || x.Shape[0] % group != 0) throw Malformed($"group {group} does not divide the {x.Shape[0]} input channels and {w.Shape[0]} filters");
        var (padded, ph, pw) = SplitPads(input, pads, 0);
        var op = new Conv2dOp(x.Shape[0], w.Shape[0], kernel[0], kernel[1], new Conv2dOptions(strides[0], strides[1], ph, pw, dil[0], dil[1], (int)group), b is not null);
        var y = Emit(op, ParameterOwnerName(w, b), padded);
        AddParameter(y, "weight", w.Tensor, transpose: false, [w.Shape[0], w.Shape[1], kernel[0], kernel[1]]);
        if (b is not null) AddParameter(y, "bias", b.Tensor.Data);
        Set(0, Lower(y, x));
    }

    private void Pool(bool max)
    {
        var x = Runtime(0);
        OnlyFirstOutput("argmax indices");
        var (input, kernel, strides, dil, pads) = Window(x, null);
        if (dil.Any(d => d != 1)) throw Fail(OnnxImportError.UnsupportedVariant, $"dilated pooling (dilations {Shapes.Format(dil)}) is not supported");
        bool includePad = Int("count_include_pad", 0) != 0;
        int[] size = input.Shape[1..];
        if (Int("ceil_mode", 0) != 0)
        {
            // Ceil mode adds a partial window at the end: extend the end padding so that floor division reaches it.
            for (int a = 0; a < 2; a++)
            {
                int span = size[a] + pads[a] + pads[a + 2] - kernel[a];
                int ceilOut = (span + strides[a] - 1) / strides[a] + 1, floorOut = span / strides[a] + 1;
                if (ceilOut != floorOut && !max && includePad)
                    throw Fail(OnnxImportError.UnsupportedVariant, "ceil_mode = 1 with a partial last window and count_include_pad = 1 is not supported");
                pads[a + 2] += (ceilOut - floorOut) * strides[a];
            }
        }
        bool symmetric = pads[0] == pads[2] && pads[1] == pads[3] && 2 * pads[0] <= kernel[0] && 2 * pads[1] <= kernel[1];
        if (!max && !includePad && !symmetric) { Set(0, Lower(AveragePoolExcludingPads(input, kernel, strides, pads), x)); return; }
        var (padded, ph, pw) = SplitPads(input, pads, max ? double.NegativeInfinity : 0, kernel);
        var options = new Pool2dOptions(kernel[0], kernel[1], strides[0], strides[1], ph, pw, includePad);
        Set(0, Lower(Emit(max ? new MaxPool2dOp(options) : new AvgPool2dOp(options), BaseName(), padded), x));
    }

    /// <summary>
    /// Average pooling whose divisor counts only input elements, for paddings the pooling kernel cannot take: pad with
    /// zeros, average over whole windows, then rescale each output position by window size / elements inside the input.
    /// </summary>
    private RuntimeValue AveragePoolExcludingPads(RuntimeValue x, int[] kernel, int[] strides, int[] pads)
    {
        var padded = Emit(new PadOp([0, pads[0], pads[1], 0, pads[2], pads[3]], PadMode.Constant, 0), BaseName() + ".pad", x);
        var avg = Emit(new AvgPool2dOp(new Pool2dOptions(kernel[0], kernel[1], strides[0], strides[1], 0, 0, true)), BaseName(), padded);
        int oh = avg.Shape[1], ow = avg.Shape[2], h = x.Shape[1], w = x.Shape[2];
        var scale = new Tensor<double>(1, oh, ow);
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                int y0 = i * strides[0] - pads[0], x0 = j * strides[1] - pads[1];
                int rows = Math.Min(h, y0 + kernel[0]) - Math.Max(0, y0), cols = Math.Min(w, x0 + kernel[1]) - Math.Max(0, x0);
                scale[0, i, j] = rows > 0 && cols > 0 ? (double)(kernel[0] * kernel[1]) / (rows * cols) : 0;
            }
        var y = Emit(new ParameterBinaryOp(BinaryFunction.Mul, [1, oh, ow], Role: "divisor_scale", Trainable: false), BaseName() + ".exclude_pad", avg);
        AddParameter(y, "divisor_scale", scale);
        return y;
    }

    private void GlobalAveragePool()
    {
        var x = Runtime(0);
        if (x.Shape.Length != 3) throw Fail(OnnxImportError.UnsupportedVariant, $"only [N, C, H, W] inputs are supported, got per-sample shape {Shapes.Format(x.Shape)}");
        var pooled = Emit(new GlobalAvgPoolOp(), BaseName(), x);
        var y = Emit(new ReshapeOp([x.Shape[0], 1, 1]), BaseName() + ".keepdims", pooled);
        _reshapeSource[y.Id] = pooled;
        Set(0, y);
    }

    // ---- normalisation -----------------------------------------------------------------------------------------

    private void BatchNormalization()
    {
        var x = Runtime(0);
        if (Int("training_mode", 0) != 0 || (_opset < 7 && Int("is_test", 0) == 0 && _node.Output.Count > 1))
            throw BatchAxis("training-mode batch normalisation uses statistics over the batch");
        OnlyFirstOutput("running statistics");
        if (x.Shape.Length < 1) throw Malformed("input needs a channel axis");
        var p = Enumerable.Range(1, 4).Select(i => Const(i, new[] { "scale", "B", "input_mean", "input_var" }[i - 1])).ToArray();
        int c = x.Shape[0];
        foreach (var t in p) if (Shapes.Size(t.Shape) != c) throw Malformed($"'{t.Initializer}' has shape {Shapes.Format(t.Shape)}, expected [{c}]");
        // BatchNormOp takes [C] or [C, H, W] per sample; other ranks go through [C, rest, 1].
        var input = x.Shape.Length is 1 or 3 ? x : Reshape(x, [c, Shapes.Size(x.Shape[1..]), 1], BaseName() + ".to3d");
        var y = Emit(new BatchNormOp(c, Float("epsilon", 1e-5)), ParameterOwnerName(p[0], p[1]), input);
        string[] roles = ["weight", "bias", "running_mean", "running_var"];
        for (int i = 0; i < 4; i++) AddParameter(y, roles[i], p[i].Tensor.Data.Reshape(c));
        Set(0, input == x ? y : Reshape(y, x.Shape, BaseName() + ".back"));
    }

    private void LayerNormalization()
    {
        var x = Runtime(0);
        int rank = x.Shape.Length + 1, axis = Axis(Int("axis", -1), rank);
        if (axis == 0) throw BatchAxis("normalising from axis 0 mixes samples");
        var scale = Const(1, "Scale");
        var bias = In(2) is null ? null : Const(2, "B");
        var name = ParameterOwnerName(scale, bias);
        double eps = Float("epsilon", 1e-5);
        EmitLayerNorm(x, axis - 1, eps, scale.Tensor.Data, bias?.Tensor.Data, name);
        if (Used(1) || Used(2)) EmitLayerNormStatistics(x, axis - 1, eps, name);
    }

    private bool Used(int output) => output < _node.Output.Count && _node.Output[output].Length > 0
        && (_consumers.ContainsKey(_node.Output[output]) || _graphOutputs.Contains(_node.Output[output]));

    /// <summary>LayerNormalization's optional outputs Mean and InvStdDev (kept dimensions), built from elementwise ops.</summary>
    private void EmitLayerNormStatistics(RuntimeValue x, int from, double eps, string name)
    {
        int[] prefix = x.Shape[..from], kept = [.. prefix, .. Enumerable.Repeat(1, x.Shape.Length - from)];
        var flat = Reshape(x, [.. prefix, Shapes.Size(x.Shape[from..])], name + ".flatten");
        var mean = Emit(new ReduceMeanOp(from), name + ".mean", flat);
        Set(1, Reshape(mean, kept, name + ".mean_keepdims"));
        if (!Used(2)) return;
        var centered = Emit(new ElementwiseBinaryOp(BinaryFunction.Sub), name + ".centered", flat, Reshape(mean, [.. prefix, 1], name + ".mean_column"));
        var variance = Emit(new ReduceMeanOp(from), name + ".variance", Emit(new ScalarBinaryOp(BinaryFunction.Pow, 2), name + ".square", centered));
        var std = Emit(new ElementwiseUnaryOp(UnaryFunction.Sqrt), name + ".std", Emit(new ScalarBinaryOp(BinaryFunction.Add, eps), name + ".add_eps", variance));
        Set(2, Reshape(Emit(new ElementwiseUnaryOp(UnaryFunction.Reciprocal), name + ".inv_std", std), kept, name + ".inv_std_keepdims"));
    }

    /// <summary>LayerNorm over per-sample axes from <paramref name="from"/> on (several axes are flattened into one).</summary>
    private void EmitLayerNorm(RuntimeValue x, int from, double eps, Tensor<double>? scale, Tensor<double>? bias, string name)
    {
        var normalized = x.Shape[from..];
        int d = Shapes.Size(normalized);
        var input = from == x.Shape.Length - 1 ? x : Reshape(x, [.. x.Shape[..from], d], name + ".flatten");
        var y = Emit(new LayerNormOp(d, eps, Affine: scale is not null || bias is not null), name, input);
        if (scale is not null || bias is not null)
        {
            AddParameter(y, "weight", scale is null ? Tensor<double>.Ones(d) : scale.BroadcastTo(normalized).Contiguous().Reshape(d));
            AddParameter(y, "bias", bias is null ? Tensor<double>.Zeros(d) : bias.BroadcastTo(normalized).Contiguous().Reshape(d));
        }
        Set(0, input == x ? y : Reshape(y, x.Shape, name + ".unflatten"));
    }

    // ---- activations and softmax -------------------------------------------------------------------------------

    private void Activate(Activation f)
    {
        switch (In(0))
        {
            case RuntimeValue x: Set(0, Emit(new ActivationOp(f), BaseName(), x)); break;
            case ConstValue c: Set(0, ConstValue.Of(c.Tensor.Data.Map(v => f.Evaluate(v)), c.Tensor.Type)); break;
            default: throw Malformed("input 0 is missing");
        }
    }

    private void Gelu()
    {
        var approximate = Str("approximate", "none");
        if (approximate is not ("none" or "tanh")) throw Fail(OnnxImportError.UnsupportedVariant, $"approximate = '{approximate}' is not supported (none or tanh)");
        Activate(approximate == "tanh" ? Activation.GeluTanh : Activation.Gelu);
    }

    private void Softmax()
    {
        var x = Runtime(0);
        int rank = x.Shape.Length + 1, axis = Axis(Int("axis", _opset < 13 ? 1 : -1), rank);
        if (axis == 0) throw BatchAxis("softmax over axis 0 mixes samples");
        if (_opset >= 13 || axis == rank - 1) { Set(0, Emit(new SoftmaxOp(axis - 1), BaseName(), x)); return; }
        // Before opset 13, Softmax normalises over all axes from `axis` on.
        var flat = Reshape(x, [.. x.Shape[..(axis - 1)], Shapes.Size(x.Shape[(axis - 1)..])], BaseName() + ".flatten");
        Set(0, Reshape(Emit(new SoftmaxOp(-1), BaseName(), flat), x.Shape, BaseName() + ".unflatten"));
    }

    private void Flatten()
    {
        var v = In(0) ?? throw Malformed("input 0 is missing");
        int rank = (v is RuntimeValue r0 ? r0.Shape.Length + 1 : ((ConstValue)v).Shape.Length);
        int axis = rank == 0 ? 0 : Int32(Int("axis", 1) < 0 ? Int("axis", 1) + rank : Int("axis", 1), "axis");
        if (v is ConstValue c)
        {
            var s = c.Shape;
            Set(0, ConstValue.Of(c.Tensor.Data.Reshape(Shapes.Size(s[..axis]), Shapes.Size(s[axis..])), c.Tensor.Type));
            return;
        }
        var x = (RuntimeValue)v;
        if (axis == 0) throw BatchAxis("Flatten with axis 0 merges the batch into one row");
        if (x.Shape[..(axis - 1)].Any(d => d != 1)) throw BatchAxis($"Flatten with axis {axis} merges per-sample axes into the batch axis");
        Set(0, Reshape(x, [Shapes.Size(x.Shape[(axis - 1)..])]));
    }
}
