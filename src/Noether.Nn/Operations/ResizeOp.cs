using System.Text.Json.Serialization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>How <see cref="ResizeOp"/> reads the input between pixels.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>The nearest input pixel (rounded as <see cref="NearestRounding"/> says).</summary>
    Nearest,
    /// <summary>Bilinear interpolation between the two nearest pixels of each axis.</summary>
    Linear,
}

/// <summary>
/// How an output coordinate x maps to an input coordinate (ONNX <c>coordinate_transformation_mode</c>); s is the
/// scale, <c>in</c> and <c>out</c> the axis lengths.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeCoordinates>))]
public enum ResizeCoordinates
{
    /// <summary>(x + ½)/s − ½.</summary>
    HalfPixel,
    /// <summary>(x + ½)/s − ½, or 0 when out = 1 (PyTorch's align_corners=False).</summary>
    PytorchHalfPixel,
    /// <summary>x·(in − 1)/(out − 1), or 0 when out = 1.</summary>
    AlignCorners,
    /// <summary>x/s.</summary>
    Asymmetric,
    /// <summary>(x + ½)/s (TensorFlow's half-pixel centres for nearest).</summary>
    TfHalfPixelForNn,
}

/// <summary>How nearest-mode resizing rounds a fractional input coordinate (ONNX <c>nearest_mode</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NearestRounding>))]
public enum NearestRounding
{
    /// <summary>Round half down.</summary>
    RoundPreferFloor,
    /// <summary>Round half up.</summary>
    RoundPreferCeil,
    /// <summary>Always down.</summary>
    Floor,
    /// <summary>Always up.</summary>
    Ceil,
}

/// <summary>
/// Resizes the spatial axes of [C, H, W] to [C, OutH, OutW] (ONNX Resize and Upsample on NCHW). ScaleH and ScaleW
/// are the scales the coordinate transform divides by: those an ONNX model states, else OutH/H and OutW/W. Nearest
/// mode rearranges elements; linear mode multiplies by interpolation matrices (Aₕ·x·Aᵥᵀ), so gradients are exact.
/// </summary>
public sealed record ResizeOp(int OutH, int OutW, double ScaleH, double ScaleW, ResizeMode Mode = ResizeMode.Nearest,
    ResizeCoordinates Coordinates = ResizeCoordinates.HalfPixel, NearestRounding Rounding = NearestRounding.RoundPreferFloor) : Op
{
    public override string Kind => "Resize";

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 3, "[C, H, W]");
        if (OutH < 1 || OutW < 1) throw new ShapeMismatchException(Kind, $"output size {OutH}x{OutW} must be positive", s);
        if (!(ScaleH > 0) || !(ScaleW > 0) || double.IsInfinity(ScaleH) || double.IsInfinity(ScaleW))
            throw new ShapeMismatchException(Kind, $"scales {ScaleH} and {ScaleW} must be positive and finite", s);
        if (s[1] < 1 || s[2] < 1) throw new ShapeMismatchException(Kind, "cannot resize an empty image", s);
        return [s[0], OutH, OutW];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var s = x[0].Value.ShapeArray()[1..];
        var outShape = InferShape([s]);
        if (Mode == ResizeMode.Nearest)
        {
            var rows = Enumerable.Range(0, OutH).Select(o => Nearest(o, s[1], OutH, ScaleH)).ToArray();
            var cols = Enumerable.Range(0, OutW).Select(o => Nearest(o, s[2], OutW, ScaleW)).ToArray();
            var map = SampleIndexing.Map(s, outShape, (a, o) => a switch { 0 => o, 1 => rows[o], _ => cols[o] });
            return Ops.Remap(x[0], map, outShape, T.Zero);
        }
        var ah = Variable<T>.Constant(Interpolation<T>(s[1], OutH, ScaleH));
        var aw = Variable<T>.Constant(Interpolation<T>(s[2], OutW, ScaleW).Transpose().Contiguous());
        return Ops.MatMul(Ops.MatMul(ah, x[0]), aw);
    }

    /// <summary>
    /// The input coordinate that output coordinate <paramref name="o"/> reads, computed in single precision as ONNX
    /// Runtime does, so that exact ties of nearest mode (8.5 / 1.7 = 5) round the same way.
    /// </summary>
    public double SourceCoordinate(int o, int inLength, int outLength, double scale)
    {
        float x = o, s = (float)scale;
        return Coordinates switch
        {
            ResizeCoordinates.HalfPixel => (x + 0.5f) / s - 0.5f,
            ResizeCoordinates.PytorchHalfPixel => outLength > 1 ? (x + 0.5f) / s - 0.5f : 0,
            ResizeCoordinates.AlignCorners => outLength > 1 ? x * (inLength - 1) / (ResizedLength(inLength, outLength, scale) - 1) : 0,
            ResizeCoordinates.Asymmetric => x / s,
            ResizeCoordinates.TfHalfPixelForNn => (x + 0.5f) / s,
            _ => throw new InvalidOperationException($"unknown coordinate mode {Coordinates}"),
        };
    }

    /// <summary>
    /// The resized length of align-corners mode: input length × scale, unrounded, as the ONNX specification's reference
    /// has it (test_resize_downsample_scales_linear_align_corners; ONNX Runtime uses the rounded size instead). It is
    /// the output size itself whenever the scale is output/input.
    /// </summary>
    private static float ResizedLength(int inLength, int outLength, double scale)
    {
        double exact = inLength * scale;
        return Math.Abs(exact - outLength) < 1e-4 ? outLength : (float)exact;
    }

    private int Nearest(int o, int inLength, int outLength, double scale)
    {
        double v = SourceCoordinate(o, inLength, outLength, scale), f = Math.Floor(v);
        bool half = v - f == 0.5;
        double r = Rounding switch
        {
            NearestRounding.Floor => f,
            NearestRounding.Ceil => Math.Ceiling(v),
            NearestRounding.RoundPreferCeil => half ? f + 1 : Math.Round(v),
            _ => half ? f : Math.Round(v),
        };
        return (int)Math.Clamp(r, 0, inLength - 1);
    }

    /// <summary>The [out, in] matrix of linear interpolation along one axis (coordinates clamped to the image).</summary>
    private Tensor<T> Interpolation<T>(int inLength, int outLength, double scale) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var a = new Tensor<T>(outLength, inLength);
        for (int o = 0; o < outLength; o++)
        {
            double v = Math.Clamp(SourceCoordinate(o, inLength, outLength, scale), 0, inLength - 1);
            int i0 = (int)Math.Floor(v), i1 = Math.Min(i0 + 1, inLength - 1);
            double w1 = v - i0;
            a[o, i0] += T.CreateChecked(1 - w1);
            a[o, i1] += T.CreateChecked(w1);
        }
        return a;
    }

    public override string Describe()
        => $"Resize(→ {OutH}x{OutW}, {Mode.ToString().ToLowerInvariant()}, {Coordinates}{(Mode == ResizeMode.Nearest ? $", {Rounding}" : "")})";
}
