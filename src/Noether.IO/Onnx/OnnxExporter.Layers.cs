using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;

namespace Noether.IO;

/// <summary>ONNX forms of the resampling layers (Resize, ConvTranspose) and the recurrent layers (LSTM, GRU).</summary>
internal sealed partial class OnnxGraphWriter<T>
{
    private void EmitLayer(Op op, string x, string y)
    {
        switch (op)
        {
            case ResizeOp r: Resize(r, x, y); break;
            case ConvTranspose2dOp t: ConvTranspose(t, x, y); break;
            case LstmOp l: Recurrent("LSTM", LstmOp.Gates, l.HiddenSize, l.Direction, l.Peepholes, l.InitialState, l.FinalCellState, x, y); break;
            case GruOp g: Recurrent("GRU", GruOp.Gates, g.HiddenSize, g.Direction, false, g.InitialState, false, x, y, Attr("linear_before_reset", g.LinearBeforeReset ? 1L : 0L)); break;
            default: throw new NotSupportedException($"op {op.Kind} has no ONNX mapping");
        }
    }

    /// <summary>
    /// Resize with sizes [N, C, H', W'] (N read from the input) when the op's scales are H'/H and W'/W, else with its
    /// scales; both read back to the same op.
    /// </summary>
    private void Resize(ResizeOp r, string x, string y)
    {
        var s = _graph.ShapeOf(x);
        string coordinates = r.Coordinates switch
        {
            ResizeCoordinates.HalfPixel => "half_pixel",
            ResizeCoordinates.PytorchHalfPixel => "pytorch_half_pixel",
            ResizeCoordinates.AlignCorners => "align_corners",
            ResizeCoordinates.Asymmetric => "asymmetric",
            _ => throw new NotSupportedException($"coordinate mode {r.Coordinates} has no form in opset {OnnxExporter.Opset}"),
        };
        string rounding = r.Rounding switch
        {
            NearestRounding.RoundPreferFloor => "round_prefer_floor",
            NearestRounding.RoundPreferCeil => "round_prefer_ceil",
            NearestRounding.Floor => "floor",
            _ => "ceil",
        };
        var attributes = new[] { Attr("mode", r.Mode == ResizeMode.Linear ? "linear" : "nearest"), Attr("coordinate_transformation_mode", coordinates), Attr("nearest_mode", rounding) };
        if (r.ScaleH == (double)r.OutH / s[1] && r.ScaleW == (double)r.OutW / s[2])
        {
            var batch = Op("Slice", [Op("Shape", [x]), Longs(0), Longs(1)]);
            var sizes = Op("Concat", [batch, Longs(s[0], r.OutH, r.OutW)], null, Attr("axis", 0L));
            Op("Resize", [x, "", "", sizes], y, attributes);
            return;
        }
        float sh = (float)r.ScaleH, sw = (float)r.ScaleW;
        if (Math.Floor(s[1] * (double)sh) != r.OutH || Math.Floor(s[2] * (double)sw) != r.OutW)
            throw new NotSupportedException($"scales {r.ScaleH}, {r.ScaleW} as float32 do not give the output size {r.OutH}x{r.OutW} from {s[1]}x{s[2]}");
        var scales = Temp("scales");
        _g.Initializer.Add(OnnxTensors.Encode(scales, Noether.Tensors.Tensor<float>.FromArray([1f, 1f, sh, sw], 4)));
        Op("Resize", [x, "", scales], y, attributes);
    }

    /// <summary>
    /// ConvTranspose with end pads of pad − output padding; only what the end pad cannot absorb (it stays ≥ 0)
    /// becomes ONNX's output_padding, which ONNX Runtime bounds by the stride.
    /// </summary>
    private void ConvTranspose(ConvTranspose2dOp t, string x, string y)
    {
        var o = t.Options;
        int endH = Math.Max(0, o.PadH - t.OutputPaddingH), endW = Math.Max(0, o.PadW - t.OutputPaddingW);
        Op("ConvTranspose", t.Bias ? [x, Param("weight"), Param("bias")] : [x, Param("weight")], y,
            Attr("kernel_shape", t.KernelH, t.KernelW), Attr("strides", o.StrideH, o.StrideW), Attr("dilations", o.DilationH, o.DilationW),
            Attr("group", (long)o.Groups), Attr("pads", o.PadH, o.PadW, endH, endW),
            Attr("output_padding", endH - (o.PadH - t.OutputPaddingH), endW - (o.PadW - t.OutputPaddingW)));
    }

    /// <summary>
    /// LSTM or GRU between transposes, as PyTorch writes batch_first layers (ONNX Runtime runs only layout 0): X to
    /// [T, N, I], Y from [T, D, N, H] back to [N, T, D, H]. The per-gate parameters are joined into ONNX's W, R, B (and P),
    /// stored initial states are expanded over the batch to [D, N, H], and the final cell state is appended to Y as one
    /// more step.
    /// </summary>
    private void Recurrent(string type, string gates, int hidden, RecurrentDirection direction, bool peepholes, bool stored, bool cellOut,
        string x, string y, params AttributeProto[] extra)
    {
        var directions = Recurrence.Directions(direction);
        int dirs = directions.Count;
        Tensor<T> Joined(IEnumerable<string> roles, params int[] shape)
            => Tensor<T>.FromArray(roles.SelectMany(role => model[$"{_node.Name}.{role}"].Contiguous().ToArray()).ToArray(), shape);
        IEnumerable<string> PerGate(string kind) => directions.SelectMany(d => gates.Select(g => Recurrence.Role(kind, g, d.Suffix)));
        int inputSize = model[$"{_node.Name}.{Recurrence.Role("weight_ih", gates[0], "")}"].Dim(1);
        var w = Initializer($"{_node.Name}.W", Joined(PerGate("weight_ih"), dirs, gates.Length * hidden, inputSize));
        var r = Initializer($"{_node.Name}.R", Joined(PerGate("weight_hh"), dirs, gates.Length * hidden, hidden));
        var b = Initializer($"{_node.Name}.B", Joined(directions.SelectMany(d => gates.Select(g => Recurrence.Role("bias_ih", g, d.Suffix))
            .Concat(gates.Select(g => Recurrence.Role("bias_hh", g, d.Suffix)))), dirs, 2 * gates.Length * hidden));
        var timeMajor = Op("Transpose", [x], null, Attr("perm", 1L, 0L, 2L));
        var inputs = new List<string> { timeMajor, w, r, b, "" };
        string Initial(string state)
        {
            var value = Initializer($"{_node.Name}.{state}", Joined(directions.Select(d => $"{state}{d.Suffix}"), 1, dirs, hidden));
            var batch = Op("Slice", [Op("Shape", [x]), Longs(0), Longs(1)]);
            var expanded = Op("Expand", [value, Op("Concat", [batch, Longs(dirs, hidden)], null, Attr("axis", 0L))]);
            return Op("Transpose", [expanded], null, Attr("perm", 1L, 0L, 2L));
        }
        if (stored)
        {
            inputs.Add(Initial("initial_h"));
            if (type == "LSTM") inputs.Add(Initial("initial_c"));
        }
        if (peepholes)
        {
            while (inputs.Count < 7) inputs.Add("");
            inputs.Add(Initializer($"{_node.Name}.P", Joined(directions.SelectMany(d => "iof".Select(g => Recurrence.Role("peephole", g, d.Suffix))), dirs, 3 * hidden)));
        }
        var n = new NodeProto { OpType = type, Name = y, Output = { Temp("y") } };
        if (cellOut) n.Output.AddRange(["", Temp("y_c")]);
        n.Input.AddRange(inputs);
        n.Attribute.AddRange([Attr("hidden_size", (long)hidden), Attr("direction", direction.ToString().ToLowerInvariant()), .. extra]);
        _g.Node.Add(n);
        if (!cellOut) { Op("Transpose", [n.Output[0]], y, $"{y}/Transpose", Attr("perm", 2L, 0L, 1L, 3L)); return; }
        var steps = Op("Transpose", [n.Output[0]], null, Attr("perm", 2L, 0L, 1L, 3L));
        var finalCell = Op("Unsqueeze", [Op("Transpose", [n.Output[2]], null, Attr("perm", 1L, 0L, 2L)), Longs(1)]);
        Op("Concat", [steps, finalCell], y, $"{y}/Concat", Attr("axis", 1L));
    }
}
