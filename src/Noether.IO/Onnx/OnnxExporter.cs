using System.Numerics;
using Google.Protobuf;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Writes models as ONNX (opset 17 — or the opset an imported model's opaque nodes were written for — with the batch
/// axis as the symbolic dimension <c>N</c>). Every IR value keeps its name,
/// parameters become initializers under their IR names, and ops without an ONNX counterpart are written decomposed:
/// GELU and SiLU as elementwise formulas, RMSNorm as its reduction chain, and multi-head attention as projections,
/// reshapes, transposes, MatMuls and a softmax (the importer reads all of them back). Embedding layers and custom
/// activations are rejected. Opaque nodes (<see cref="OpaqueOp"/>) are written back as the original node, with their
/// domain's opset (see OnnxExporter.Opaque.cs).
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opset version written when the model holds no opaque node of the default domain.</summary>
    public const int Opset = 17;

    /// <summary>Saves a model atomically (temporary file, then rename).</summary>
    public static void Save<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var proto = Export(model);
        OnnxFile.WriteModel(path, proto);
    }

    /// <summary>The model as an ONNX protobuf message.</summary>
    internal static ModelProto Export<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var writer = new OnnxGraphWriter<T>(model);
        var graph = writer.Write();
        var proto = new ModelProto { IrVersion = writer.IrVersion, ProducerName = "noether", ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "", Graph = graph };
        proto.OpsetImport.AddRange(writer.Opsets.Select(kv => new OperatorSetIdProto { Domain = kv.Key, Version = kv.Value }));
        return proto;
    }
}

/// <summary>Emits the ONNX nodes of one IR graph.</summary>
internal sealed partial class OnnxGraphWriter<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GraphProto _g = new() { Name = model.Graph.Name };
    private readonly Graph _graph = model.Graph;
    private readonly DataType _type = typeof(T) == typeof(double) ? DataType.Double : DataType.Float;
    private Node _node = null!;

    public GraphProto Write()
    {
        foreach (var i in _graph.Inputs) _g.Input.Add(InputInfo(i));
        foreach (var n in _graph.Nodes)
        {
            _node = n;
            try { Emit(n); }
            catch (NotSupportedException e) { throw new NotSupportedException($"ONNX export of node '{n.Name}' ({n.Op.Kind}): {e.Message}", e); }
        }
        foreach (var o in _graph.Outputs) _g.Output.Add(OutputInfo(o));
        return _g;
    }

    private ValueInfoProto ValueInfo(string name, int[] sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var d in sampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)_type, Shape = shape } } };
    }

    // ---- building blocks ---------------------------------------------------------------------------------------

    private int _temp;

    private string Temp(string what) => $"{_node.Name}/{what}_{_temp++}";

    /// <summary>Adds a node; one that produces an IR value is named after it, so the importer restores the name.</summary>
    private string Op(string type, string[] inputs, string? output = null, params AttributeProto[] attributes) => Op(type, inputs, output, output, attributes);

    private string Op(string type, string[] inputs, string? output, string? name, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = type, Name = name ?? $"{_node.Name}/{type}_{_temp++}", Output = { output ?? Temp(type.ToLowerInvariant()) } };
        n.Input.AddRange(inputs);
        n.Attribute.AddRange(attributes);
        _g.Node.Add(n);
        return n.Output[0];
    }

    private string Param(string role) => Initializer($"{_node.Name}.{role}", model[$"{_node.Name}.{role}"]);

    private string Initializer(string name, Tensor<T> value)
    {
        if (!_g.Initializer.Any(t => t.Name == name)) _g.Initializer.Add(OnnxTensors.Encode(name, value));
        return name;
    }

    private string Scalar(double value) => Initializer(Temp("scalar"), Tensor<T>.Scalar(T.CreateChecked(value)));

    private string Longs(params long[] values)
    {
        var name = Temp("i64");
        _g.Initializer.Add(OnnxTensors.Int64(name, values));
        return name;
    }

    private static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    private static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    private static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
    private static AttributeProto Ints(string name, params long[] values) => Attr(name, values);
    private static AttributeProto Attr(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A value reshaped to [N, 1, …, 1, shape] with the given per-sample rank (ONNX broadcasting aligns right).</summary>
    private string Align(string value, int rank)
    {
        var s = _graph.ShapeOf(value);
        return s.Length >= rank ? value : Op("Reshape", [value, Longs([0, .. Enumerable.Repeat(1L, rank - s.Length), .. s.Select(d => (long)d)])]);
    }

    private string Linear(string x, string prefix, bool bias, string? output, int sampleRank, FrozenPattern? frozen = null)
    {
        // A W-asymmetric layer exports its effective weight (frozen entries at their fixed values): a plain Gemm.
        var w = FrozenWeight.Effective(model[$"{prefix}.weight"], frozen);
        if (sampleRank == 1 && output is not null)
            return Op("Gemm", bias ? [x, Initializer($"{prefix}.weight", w), Initializer($"{prefix}.bias", model[$"{prefix}.bias"])] : [x, Initializer($"{prefix}.weight", w)], output, Attr("transB", 1L));
        var y = Op("MatMul", [x, Initializer($"{prefix}.weight", w.Transpose().Contiguous())], bias ? null : output);
        return bias ? Op("Add", [y, Initializer($"{prefix}.bias", model[$"{prefix}.bias"])], output) : y;
    }

    // ---- one IR node -------------------------------------------------------------------------------------------

    private void Emit(Node n)
    {
        string x = n.Inputs.Count > 0 ? n.Inputs[0] : "", y = n.Name;
        switch (n.Op)
        {
            case LinearOp lin: Linear(x, n.Name, lin.Bias, y, _graph.ShapeOf(x).Length, lin.FrozenPattern); break;
            case FigluOp fg:
                // σ(x) = sigmoid(F·x) ⊙ x: a 1×1 Conv over [C, H, W] samples, a MatMul by Fᵀ over channels-last ones.
                bool image = _graph.ShapeOf(x).Length == 3;
                var gate = image
                    ? Op("Conv", [x, Initializer($"{n.Name}.F", fg.MatrixTensor<T>(asKernel: true))], null, Attr("kernel_shape", 1L, 1L))
                    : Op("MatMul", [x, Initializer($"{n.Name}.F_t", fg.MatrixTensor<T>(asKernel: false).Transpose().Contiguous())], null);
                Op("Mul", [Op("Sigmoid", [gate], null), x], y);
                break;
            case Conv2dOp c:
                var o = c.Options;
                string convWeight = c.Frozen is null ? Param("weight") : Initializer($"{n.Name}.weight", FrozenWeight.Effective(model[$"{n.Name}.weight"], c.FrozenPattern));
                Op("Conv", c.Bias ? [x, convWeight, Param("bias")] : [x, convWeight], y, Attr("kernel_shape", c.KernelH, c.KernelW),
                    Attr("strides", o.StrideH, o.StrideW), Attr("pads", o.PadH, o.PadW, o.PadH, o.PadW), Attr("dilations", o.DilationH, o.DilationW), Attr("group", (long)o.Groups));
                break;
            case BatchNormOp b:
                Op("BatchNormalization", [x, Param("weight"), Param("bias"), Param("running_mean"), Param("running_var")], y, Attr("epsilon", (float)b.Eps), Attr("momentum", (float)(1 - b.Momentum)));
                break;
            case LayerNormOp ln when DefaultOpset < 17: DecomposedLayerNorm(ln, x, y); break;
            case LayerNormOp ln:
                string scale = ln.Affine ? Param("weight") : Initializer($"{n.Name}.weight", Tensor<T>.Ones(ln.Features));
                Op("LayerNormalization", ln.Affine ? [x, scale, Param("bias")] : [x, scale], y, Attr("axis", -1L), Attr("epsilon", (float)ln.Eps));
                break;
            case RmsNormOp rms:
                var ms = ReduceMean(Op("Pow", [x, Scalar(2)]), -1, keep: true);
                Op("Mul", [Op("Div", [x, Op("Sqrt", [Op("Add", [ms, Scalar(rms.Eps)])])]), Param("weight")], y);
                break;
            case ActivationOp a: Activation(a.Function, x, y); break;
            case SoftmaxOp s when DefaultOpset < 13 && s.Axis != -1 && s.Axis != _graph.ShapeOf(x).Length - 1:
                throw new NotSupportedException($"a softmax over a non-last axis needs opset 13, but the model's opaque nodes were imported at opset {DefaultOpset}");
            case SoftmaxOp s: Op("Softmax", [x], y, Attr("axis", (long)(s.Axis < 0 ? s.Axis : s.Axis + 1))); break;
            case MaxPool2dOp m: Op("MaxPool", [x], y, PoolAttributes(m.Options)); break;
            case AvgPool2dOp av: Op("AveragePool", [x], y, [.. PoolAttributes(av.Options), Attr("count_include_pad", av.Options.CountIncludePad ? 1L : 0L)]); break;
            case GlobalAvgPoolOp: Op("Flatten", [Op("GlobalAveragePool", [x], null, y)], y, $"{y}/Flatten", Attr("axis", 1L)); break;
            case FlattenOp: Op("Flatten", [x], y, Attr("axis", 1L)); break;
            case AddOp: Op("Add", [x, n.Inputs[1]], y); break;
            case ConcatOp cat: Op("Concat", n.Inputs.ToArray(), y, Attr("axis", (long)cat.Axis + 1)); break;
            case ReduceMeanOp r: ReduceMean(x, r.Axis + 1, keep: false, y); break;
            case ReshapeOp rs: Op("Reshape", [x, Longs([0, .. rs.Shape.Select(d => (long)d)])], y); break;
            case LearnedBiasOp: Op("Add", [x, Param("weight")], y); break;
            case PositionEmbeddingOp: Op("Add", [x, Op("Slice", [Param("weight"), Longs(0), Longs(_graph.ShapeOf(x)[0]), Longs(0), Longs(1)])], y); break;
            case DropoutOp: Op("Identity", [x], y); break;
            case AttentionOp att: Attention(att, x, y); break;
            case ElementwiseBinaryOp e:
                int rank = _graph.ShapeOf(y).Length;
                Op(e.Function.Symbol(), [Align(x, rank), Align(n.Inputs[1], rank)], y);
                break;
            case ParameterBinaryOp p: Op(p.Function.Symbol(), p.ParameterFirst ? [Param(p.Role), x] : [x, Param(p.Role)], y); break;
            case ScalarBinaryOp sc: Op(sc.Function.Symbol(), sc.ScalarFirst ? [Scalar(sc.Scalar), x] : [x, Scalar(sc.Scalar)], y); break;
            case ElementwiseUnaryOp u: Op(u.Function.ToString(), [x], y); break;
            case MatMulOp:
                int mm = Math.Max(_graph.ShapeOf(x).Length, _graph.ShapeOf(n.Inputs[1]).Length);
                Op("MatMul", [Align(x, mm), Align(n.Inputs[1], mm)], y);
                break;
            case TransposeOp t: Op("Transpose", [x], y, Attr("perm", [0, .. t.Permutation.Select(p => (long)p + 1)])); break;
            case PadOp or SliceOp when DefaultOpset < 11:
                throw new NotSupportedException($"{n.Op.Kind} takes its pads and bounds as inputs from opset 11, but the model's opaque nodes were imported at opset {DefaultOpset}");
            case OpaqueOp op: Opaque(n, op); break;
            case PadOp pad:
                int pr = pad.Pads.Length / 2;
                var pads = new long[] { 0 }.Concat(pad.Pads[..pr].Select(v => (long)v)).Append(0).Concat(pad.Pads[pr..].Select(v => (long)v)).ToArray();
                Op("Pad", [x, Longs(pads), Scalar(pad.Value)], y, Attr("mode", pad.Mode.ToString().ToLowerInvariant()));
                break;
            case SliceOp sl: Op("Slice", [x, Longs(sl.Starts), Longs(sl.Ends), Longs(sl.Axes.Select(a => (long)a + 1).ToArray()), Longs(sl.Steps)], y); break;
            case GatherOp ga:
                var indices = Temp("indices");
                var proto = new TensorProto { Name = indices, DataType = (int)DataType.Int64 };
                proto.Dims.AddRange(ga.IndicesShape.Select(d => (long)d));
                proto.Int64Data.AddRange(ga.Indices.Select(i => (long)i));
                _g.Initializer.Add(proto);
                Op("Gather", [x, indices], y, Attr("axis", (long)ga.Axis + 1));
                break;
            case WhereOp w:
                var condition = Temp("condition");
                _g.Initializer.Add(OnnxTensors.Bool(condition, model[$"{n.Name}.condition"].Cast<double>()));
                int wr = _graph.ShapeOf(y).Length, next = 0;
                string Branch(double? s) => s is double v ? Scalar(v) : Align(n.Inputs[next++], wr);
                var first = Branch(w.ScalarA);
                Op("Where", [condition, first, Branch(w.ScalarB)], y);
                break;
            case ExpandOp ex:
                int er = _graph.ShapeOf(y).Length;
                Op("Expand", [Align(x, er), Longs([1, .. Enumerable.Repeat(1L, er - ex.Shape.Length), .. ex.Shape.Select(d => (long)d)])], y);
                break;
            case BroadcastParameterOp bp:
                // Expand([1, …shape] parameter) to [N, …shape], N read from the reference input: the importer folds it back.
                var weight = Initializer($"{n.Name}.weight", model[$"{n.Name}.weight"].Reshape([1, .. bp.Shape]));
                var batch = Op("Slice", [Op("Shape", [x]), Longs(0), Longs(1)]);
                Op("Expand", [weight, Op("Concat", [batch, Longs(bp.Shape.Select(d => (long)d).ToArray())], null, Attr("axis", 0L))], y);
                break;
            case ResizeOp or ConvTranspose2dOp or LstmOp or GruOp: EmitLayer(n.Op, x, y); break;
            case EmbeddingOp:
                // Token ids: an integer graph input as it is; ids held as floats are cast (they are exact integers).
                bool integer = _graph.Inputs.FirstOrDefault(i => i.Name == x) is { ElementType: "int64" or "int32" };
                var ids = integer ? x : Op("Cast", [x], null, Attr("to", (long)DataType.Int64));
                Op("Gather", [Param("weight"), ids], y, Attr("axis", 0L));
                break;
            default: throw new NotSupportedException($"op {n.Op.Kind} has no ONNX mapping");
        }
    }

    private static AttributeProto[] PoolAttributes(Pool2dOptions o)
        => [Attr("kernel_shape", o.KernelH, o.KernelW), Attr("strides", o.StrideH, o.StrideW), Attr("pads", o.PadH, o.PadW, o.PadH, o.PadW)];

    private void Activation(Activation f, string x, string y)
    {
        switch (f)
        {
            case ReluActivation: Op("Relu", [x], y); break;
            case LeakyReluActivation l: Op("LeakyRelu", [x], y, Attr("alpha", (float)l.Alpha)); break;
            case SigmoidActivation: Op("Sigmoid", [x], y); break;
            case TanhActivation: Op("Tanh", [x], y); break;
            case SoftplusActivation: Op("Softplus", [x], y); break;
            case AbsActivation: Op("Abs", [x], y); break;
            case IdentityActivation: Op("Identity", [x], y); break;
            // GELU entered ONNX in opset 20: write PyTorch's decomposition, which the importer fuses back.
            case GeluActivation: Op("Mul", [Op("Mul", [x, Op("Add", [Op("Erf", [Op("Div", [x, Scalar(Math.Sqrt(2))])]), Scalar(1)])]), Scalar(0.5)], y); break;
            case SiluActivation: Op("Mul", [x, Op("Sigmoid", [x])], y); break;
            case ClipActivation c:
                // Opset 11+: optional min and max inputs; an infinite end is left out.
                Op("Clip", [x, double.IsNegativeInfinity(c.Min) ? "" : Scalar(c.Min), double.IsPositiveInfinity(c.Max) ? "" : Scalar(c.Max)], y);
                break;
            case HardSigmoidActivation h: Op("HardSigmoid", [x], y, Attr("alpha", (float)h.Alpha), Attr("beta", (float)h.Beta)); break;
            case HardSwishActivation: Op("HardSwish", [x], y); break;
            // Gelu(approximate = "tanh") entered ONNX in opset 20: write PyTorch's decomposition, which the importer fuses back.
            case GeluTanhActivation:
                var cube = Op("Mul", [x, Op("Mul", [x, x])]);
                var inner = Op("Mul", [Op("Add", [x, Op("Mul", [cube, Scalar(GeluTanhActivation.Kappa)])]), Scalar(GeluTanhActivation.C)]);
                Op("Mul", [Op("Mul", [x, Op("Add", [Op("Tanh", [inner]), Scalar(1)])]), Scalar(0.5)], y);
                break;
            default: throw new NotSupportedException($"activation '{f.Name}' has no ONNX form; rebuild the graph with a standard activation");
        }
    }

    /// <summary>
    /// Rotary embedding written out on heads [N, H, S, dk] as x·cos + rot(x)·sin with the tables as initializers:
    /// rot(x) as Hugging Face's rotate_half (Concat(−x[dk/2:], x[:dk/2]), which the importer fuses back) when the
    /// pairs are (i, i + dk/2) over the whole head, else as MatMul by the signed permutation.
    /// </summary>
    private string Rope(RotaryEmbedding? rope, string x, int s, int dk)
    {
        if (rope is null) return x;
        var (cos, sin, rotate) = rope.Tables(s, dk);
        string rotated = rope.Pairing == RotaryPairing.Half && rope.Dims == dk
            ? Op("Concat", [Op("Neg", [Op("Slice", [x, Longs(dk / 2), Longs(dk), Longs(3), Longs(1)])]), Op("Slice", [x, Longs(0), Longs(dk / 2), Longs(3), Longs(1)])], null, Attr("axis", 3L))
            : Op("MatMul", [x, Initializer(Temp("rotate"), rotate.Cast<T>())]);
        return Op("Add", [Op("Mul", [x, Initializer(Temp("cos"), cos.Cast<T>())]), Op("Mul", [rotated, Initializer(Temp("sin"), sin.Cast<T>())])]);
    }

    /// <summary>Multi-head attention written out: per-head projections, q·kᵀ/√d (+ causal mask), softmax, ·v, output projection.</summary>
    private void Attention(AttentionOp a, string x, string y)
    {
        int s = _graph.ShapeOf(x)[0], dk = a.HeadDim, group = a.Heads / a.KvHeads;
        string Heads(string name, int heads)
        {
            var p = Linear(x, $"{_node.Name}.{name}", a.Bias, null, 2);
            return Op("Transpose", [Op("Reshape", [p, Longs(0, s, heads, dk)])], null, Attr("perm", 0L, 2L, 1L, 3L));
        }
        string Repeat(string kv) => group == 1 ? kv
            : Op("Reshape", [Op("Expand", [Op("Reshape", [kv, Longs(0, a.KvHeads, 1, s, dk)]), Longs(1, a.KvHeads, group, s, dk)]), Longs(0, a.Heads, s, dk)]);
        var q = Rope(a.Rotary, Heads("q_proj", a.Heads), s, dk);
        var k = Repeat(Rope(a.Rotary, Heads("k_proj", a.KvHeads), s, dk));
        var v = Repeat(Heads("v_proj", a.KvHeads));
        var scores = Op("Mul", [Op("MatMul", [q, Op("Transpose", [k], null, Attr("perm", 0L, 1L, 3L, 2L))]), Scalar(1 / Math.Sqrt(dk))]);
        if (a.Causal)
        {
            var mask = new Tensor<double>(s, s);
            for (int i = 0; i < s; i++) for (int j = 0; j <= i; j++) mask[i, j] = 1;
            var condition = Temp("causal");
            _g.Initializer.Add(OnnxTensors.Bool(condition, mask));
            scores = Op("Where", [condition, scores, Scalar(double.NegativeInfinity)]);
        }
        var attended = Op("MatMul", [Op("Softmax", [scores], null, Attr("axis", -1L)), v]);
        var merged = Op("Reshape", [Op("Transpose", [attended], null, Attr("perm", 0L, 2L, 1L, 3L)), Longs(0, s, a.Heads * dk)]);
        Linear(merged, $"{_node.Name}.o_proj", a.HasOutputBias, null, 2);
        // The output projection must carry the node's own name: rename the last value.
        _g.Node[^1].Output[0] = y;
        _g.Node[^1].Name = y;
    }
}
