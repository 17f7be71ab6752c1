using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>Spatial resampling layers: Resize and Upsample (nearest, linear) and ConvTranspose.</summary>
internal sealed partial class OnnxGraphConverter
{
    // ---- Resize and Upsample -----------------------------------------------------------------------------------

    /// <summary>
    /// Resize (opsets 10–21) and Upsample (7–9) on the spatial axes of [N, C, H, W], with scales or sizes given as
    /// constants. Opset 10 and Upsample use asymmetric coordinates and read the pixel below (above when shrinking),
    /// as ONNX Runtime does.
    /// </summary>
    private void Resize()
    {
        var x = Runtime(0);
        if (x.Shape.Length != 3)
            throw Fail(OnnxImportError.UnsupportedVariant, $"only [N, C, H, W] inputs are resized, got per-sample shape {Shapes.Format(x.Shape)}");
        bool legacy = _node.OpType == "Upsample" || _opset < 11;
        var mode = Str("mode", "nearest") switch
        {
            "nearest" => ResizeMode.Nearest,
            "linear" or "bilinear" => ResizeMode.Linear,
            var m => throw Fail(OnnxImportError.UnsupportedVariant, $"mode '{m}' is not supported (only nearest and linear)"),
        };
        var (scales, sizes) = legacy ? (LegacyScales(), null) : ScalesOrSizes();
        int[] input = [x.Shape[1], x.Shape[2]];
        var outSize = new int[2];
        var scale = new double[2];
        for (int a = 0; a < 2; a++)
        {
            if (sizes is not null) { outSize[a] = sizes[a]; scale[a] = (double)sizes[a] / input[a]; }
            else
            {
                scale[a] = scales![a];
                if (!(scale[a] > 0) || double.IsInfinity(scale[a])) throw Malformed($"scale {scale[a]} of axis {a + 2} is not positive and finite");
                outSize[a] = (int)Math.Min(int.MaxValue, Math.Floor(input[a] * scale[a]));
            }
            if (outSize[a] < 1) throw Malformed($"resizing axis {a + 2} of per-sample shape {Shapes.Format(x.Shape)} gives an empty output");
        }
        if (Shapes.Size(x.Shape) > 0 && (long)x.Shape[0] * outSize[0] * outSize[1] > 1 << 28)
            throw Malformed($"the output {x.Shape[0]}x{outSize[0]}x{outSize[1]} per sample is unreasonably large");
        var coordinates = legacy ? ResizeCoordinates.Asymmetric : Str("coordinate_transformation_mode", "half_pixel") switch
        {
            "half_pixel" => ResizeCoordinates.HalfPixel,
            "pytorch_half_pixel" => ResizeCoordinates.PytorchHalfPixel,
            "align_corners" => ResizeCoordinates.AlignCorners,
            "asymmetric" => ResizeCoordinates.Asymmetric,
            "tf_half_pixel_for_nn" => ResizeCoordinates.TfHalfPixelForNn,
            var c => throw Fail(OnnxImportError.UnsupportedVariant, $"coordinate_transformation_mode '{c}' is not supported"),
        };
        NearestRounding rounding;
        if (legacy)
        {
            // ONNX Runtime's rule before opset 11: truncate when enlarging, round up when shrinking (per axis).
            bool down0 = scale[0] < 1, down1 = scale[1] < 1;
            if (mode == ResizeMode.Nearest && down0 != down1)
                throw Fail(OnnxImportError.UnsupportedVariant, $"nearest resizing that enlarges one axis and shrinks the other (scales {scale[0]}, {scale[1]}) is not supported before opset 11");
            rounding = down0 ? NearestRounding.Ceil : NearestRounding.Floor;
        }
        else rounding = Str("nearest_mode", "round_prefer_floor") switch
        {
            "round_prefer_floor" => NearestRounding.RoundPreferFloor,
            "round_prefer_ceil" => NearestRounding.RoundPreferCeil,
            "floor" => NearestRounding.Floor,
            "ceil" => NearestRounding.Ceil,
            var r => throw Malformed($"nearest_mode '{r}' is unknown"),
        };
        if (mode == ResizeMode.Linear && Int("antialias", 0) != 0 && (scale[0] < 1 || scale[1] < 1))
            throw Fail(OnnxImportError.UnsupportedVariant, "antialiased linear downsampling is not supported");
        Set(0, Emit(new ResizeOp(outSize[0], outSize[1], scale[0], scale[1], mode, coordinates, rounding), BaseName(), x));
    }

    /// <summary>Spatial scales of Upsample (attribute before opset 9, input after) and Resize-10 (input 1).</summary>
    private double[] LegacyScales()
    {
        double[] all = _node.OpType == "Upsample" && _opset < 9
            ? Attr("scales")?.Floats.Select(f => (double)f).ToArray() ?? throw Malformed("the scales attribute is missing")
            : Const(1, "scales").Values;
        return SpatialScales(all);
    }

    /// <summary>Resize-11+: scales (input 2) or sizes (input 3), one of them non-empty; the optional axes attribute (opset 18).</summary>
    private (double[]? Scales, int[]? Sizes) ScalesOrSizes()
    {
        var sc = In(2) is null ? null : Const(2, "scales");
        var sz = In(3) is null ? null : Const(3, "sizes");
        var axes = Ints("axes")?.Select(a => Axis(a, 4)).ToArray() ?? [0, 1, 2, 3];
        if (axes.Distinct().Count() != axes.Length) throw Malformed($"axes {Shapes.Format(axes)} repeat an axis");
        bool hasScales = sc is not null && Shapes.Size(sc.Shape) > 0, hasSizes = sz is not null && Shapes.Size(sz.Shape) > 0;
        if (hasScales == hasSizes) throw Malformed("exactly one of scales and sizes must be given");
        if (hasScales)
        {
            var given = sc!.Values;
            if (given.Length != axes.Length) throw Malformed($"{given.Length} scales for {axes.Length} axes");
            var all = new double[] { 1, 1, 1, 1 };
            for (int i = 0; i < axes.Length; i++) all[axes[i]] = given[i];
            return (SpatialScales(all), null);
        }
        var dims = sz!.Dims;
        if (dims.Length != axes.Length) throw Malformed($"{dims.Length} sizes for {axes.Length} axes");
        var x = Runtime(0);
        int[] full = [-1, x.Shape[0], x.Shape[1], x.Shape[2]];
        var wanted = (int[])full.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            var d = dims[i];
            if (axes[i] == 0)
            {
                if (!d.IsBatch && (d.HasBatch || _declaredBatch is not int nb || d.Value != nb))
                    throw BatchAxis($"sizes[0] = {d} resizes the batch axis");
                continue;
            }
            if (d.HasBatch || d.Value < 1 || d.Value > 1 << 20) throw Malformed($"size {d} of axis {axes[i]} is out of range");
            wanted[axes[i]] = (int)d.Value;
        }
        if (wanted[1] != full[1]) throw Fail(OnnxImportError.UnsupportedVariant, $"resizing the channel axis ({full[1]} → {wanted[1]}) is not supported");
        var policy = Str("keep_aspect_ratio_policy", "stretch");
        if (policy == "stretch") return (null, [wanted[2], wanted[3]]);
        // not_larger / not_smaller: one scale for the given spatial axes, sizes rounded from it.
        var ratios = axes.Where(a => a >= 2).Select(a => (double)wanted[a] / full[a]).ToArray();
        double s = policy switch
        {
            "not_larger" => ratios.Min(),
            "not_smaller" => ratios.Max(),
            _ => throw Malformed($"keep_aspect_ratio_policy '{policy}' is unknown"),
        };
        int[] sizes = [full[2], full[3]];
        foreach (var a in axes.Where(a => a >= 2)) sizes[a - 2] = (int)Math.Round(s * full[a], MidpointRounding.ToEven);
        return (null, sizes);
    }

    /// <summary>The H and W scales of a 4-entry scale vector whose N and C scales must be 1.</summary>
    private double[] SpatialScales(double[] all)
    {
        if (all.Length != 4) throw Malformed($"{all.Length} scales for a rank-4 input");
        if (all[0] != 1) throw BatchAxis($"scale {all[0]} of axis 0 resizes the batch axis");
        if (all[1] != 1) throw Fail(OnnxImportError.UnsupportedVariant, $"resizing the channel axis (scale {all[1]}) is not supported");
        return [all[2], all[3]];
    }

    // ---- ConvTranspose -----------------------------------------------------------------------------------------

    /// <summary>
    /// ConvTranspose (1-D and 2-D) with strides, pads, output_padding, output_shape, auto_pad, dilations and groups.
    /// Pads become the op's top/left padding plus a (possibly negative) output padding, so no crop node is needed.
    /// </summary>
    private void ConvTranspose()
    {
        var x = Runtime(0);
        var w = In(1) as ConstValue ?? throw Fail(OnnxImportError.UnsupportedVariant, "the weight W is computed at run time; it must be an initializer");
        var b = In(2) is null ? null : Const(2, "bias B");
        int n = x.Shape.Length - 1;
        if (n is not (1 or 2) || w.Shape.Length != n + 2)
            throw Fail(OnnxImportError.UnsupportedVariant, $"only 1-D and 2-D transposed convolutions are supported, got input {Shapes.Format(x.Shape)} and weight {Shapes.Format(w.Shape)}");
        long group = Int("group", 1);
        int c = x.Shape[0];
        if (group < 1 || c % group != 0 || w.Shape[0] != c)
            throw Malformed($"weight {Shapes.Format(w.Shape)} does not fit {c} input channels in {group} groups");
        int outChannels = Int32(w.Shape[1] * group, "output channels (weight axis 1 × group)");
        if (b is not null && Shapes.Size(b.Shape) != outChannels) throw Malformed($"bias {Shapes.Format(b.Shape)} does not fit {outChannels} output channels");
        var kernel = w.Shape[2..];
        if (Ints("kernel_shape") is { } ks && !ks.SequenceEqual(kernel.Select(k => (long)k)))
            throw Malformed($"kernel_shape [{string.Join(", ", ks)}] differs from the weight's {Shapes.Format(kernel)}");
        int[] Attribute(string name, int count, int fallback, int min)
        {
            var v = Ints(name);
            if (v is null) return Enumerable.Repeat(fallback, count).ToArray();
            if (v.Length != count || v.Any(e => e < min || e > 1 << 20)) throw Malformed($"{name} [{string.Join(", ", v)}] is invalid for a {n}-D transposed convolution");
            return v.Select(e => (int)e).ToArray();
        }
        var strides = Attribute("strides", n, 1, 1);
        var dil = Attribute("dilations", n, 1, 1);
        var outPad = Attribute("output_padding", n, 0, 0);
        var pads = Attribute("pads", 2 * n, 0, 0);
        var outputShape = Ints("output_shape");
        var autoPad = Str("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID")) throw Malformed($"auto_pad '{autoPad}' is unknown");
        var begin = new int[n];
        var size = new int[n];
        for (int a = 0; a < n; a++)
        {
            int input = x.Shape[a + 1];
            long full = (long)strides[a] * (input - 1) + (long)(kernel[a] - 1) * dil[a] + 1 + outPad[a];
            if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                long target = outputShape is null ? (long)input * strides[a]
                    : outputShape.Length >= n ? outputShape[outputShape.Length - n + a] : throw Malformed($"output_shape has {outputShape.Length} entries for {n} spatial axes");
                long total = full - target;
                long half = (long)Math.Floor(total / 2.0);
                begin[a] = (int)(autoPad == "SAME_UPPER" ? half : total - half);
                size[a] = (int)target;
            }
            else
            {
                if (autoPad == "NOTSET") begin[a] = pads[a];
                size[a] = (int)(full - (autoPad == "VALID" ? 0 : pads[a] + pads[a + n]));
            }
            if (begin[a] < 0) throw Fail(OnnxImportError.UnsupportedVariant, $"the output_shape/auto_pad combination pads the start of axis {a + 2} by {begin[a]} (< 0)");
            if (size[a] < 1 || size[a] > 1 << 24) throw Malformed($"axis {a + 2} of the output would have size {size[a]}");
        }
        var input2d = n == 2 ? x : Reshape(x, [c, 1, x.Shape[1]], BaseName() + ".to2d");
        int[] k2 = n == 2 ? kernel : [1, kernel[0]], s2 = n == 2 ? strides : [1, strides[0]], d2 = n == 2 ? dil : [1, dil[0]];
        int[] p2 = n == 2 ? begin : [0, begin[0]], o2 = n == 2 ? size : [1, size[0]];
        var options = new Conv2dOptions(s2[0], s2[1], p2[0], p2[1], d2[0], d2[1], (int)group);
        // Output padding: whatever the op's symmetric formula leaves between its size and the wanted one.
        int PadFor(int axis) => o2[axis] - ((input2d.Shape[axis + 1] - 1) * s2[axis] - 2 * p2[axis] + d2[axis] * (k2[axis] - 1) + 1);
        var op = new ConvTranspose2dOp(c, outChannels, k2[0], k2[1], options, PadFor(0), PadFor(1), b is not null);
        var y = Emit(op, ParameterOwnerName(w, b), input2d);
        AddParameter(y, "weight", w.Tensor.Data.Reshape([c, w.Shape[1], k2[0], k2[1]]));
        if (b is not null) AddParameter(y, "bias", b.Tensor.Data.Reshape(outChannels));
        Set(0, Lower(y, x));
    }
}
