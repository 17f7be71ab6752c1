using Noether.Nn.Operations;

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
}
