using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests;

/// <summary>Resize, Upsample and ConvTranspose: every variant imported, run, and compared with ONNX Runtime, then exported back.</summary>
public class OnnxSpatialImportTests
{
    private const double Tolerance = 1e-5;

    private static Tensor<float> Feed(int seed, params int[] shape) => Tensor<float>.RandomNormal(new Rng((ulong)seed), shape);

    private static float[] Weights(int n, int seed) => Tensor<float>.RandomNormal(new Rng((ulong)seed), [n]).ToArray();

    public static TheoryData<string, string, string, float, float> ResizeScaleCases => new()
    {
        { "nearest", "half_pixel", "round_prefer_floor", 2f, 2f },
        { "nearest", "asymmetric", "floor", 2f, 3f },
        { "nearest", "align_corners", "round_prefer_ceil", 1.6f, 2.5f }, // input × scale whole: see AlignCorners… below
        { "nearest", "pytorch_half_pixel", "ceil", 0.5f, 0.75f },
        { "nearest", "half_pixel", "round_prefer_ceil", 0.6f, 1.7f },
        { "linear", "half_pixel", "round_prefer_floor", 2f, 2f },
        { "linear", "pytorch_half_pixel", "round_prefer_floor", 1.5f, 0.5f },
        { "linear", "align_corners", "round_prefer_floor", 2f, 3f },
        { "linear", "asymmetric", "round_prefer_floor", 2.5f, 1.25f },
        { "linear", "half_pixel", "round_prefer_floor", 0.5f, 0.6f },
        { "linear", "align_corners", "round_prefer_floor", 0.6f, 2f },
        { "nearest", "align_corners", "round_prefer_floor", 0.6f, 2.5f },
    };

    [Theory, MemberData(nameof(ResizeScaleCases))]
    public void ResizeWithScalesMatchesOnnxRuntime(string mode, string coordinates, string nearest, float sh, float sw)
    {
        var model = new OnnxModelBuilder(13).Input("x", -1, 3, 5, 6).Floats("scales", [4], 1, 1, sh, sw)
            .Node("Resize", ["x", "", "scales"], "y", ("mode", mode), ("coordinate_transformation_mode", coordinates), ("nearest_mode", nearest))
            .Output("y").Build();
        var x = Feed(1, 2, 3, 5, 6);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        var net = OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, x);
        Assert.IsType<ResizeOp>(Assert.Single(net.Graph.Nodes).Op);
    }

    [Theory]
    [InlineData("nearest", "half_pixel", 9, 4)]
    [InlineData("nearest", "asymmetric", 3, 13)]
    [InlineData("linear", "pytorch_half_pixel", 1, 11)]
    [InlineData("linear", "align_corners", 7, 1)]
    [InlineData("linear", "half_pixel", 2, 3)]
    public void ResizeWithSizesFromAShapeSubgraphMatchesOnnxRuntime(string mode, string coordinates, long h, long w)
    {
        // PyTorch's interpolate(size=…): sizes = Concat(Shape(x)[0:2], [h, w]).
        var model = new OnnxModelBuilder(13).Input("x", -1, 2, 4, 5).Longs("start", 0).Longs("end", 2).Longs("hw", h, w)
            .Node("Shape", ["x"], "shape").Node("Slice", ["shape", "start", "end"], "nc").Node("Concat", ["nc", "hw"], "sizes", ("axis", 0L))
            .Node("Resize", ["x", "", "", "sizes"], "y", ("mode", mode), ("coordinate_transformation_mode", coordinates))
            .Output("y").Build();
        var x = Feed(2, 3, 2, 4, 5);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, x);
    }

    [Theory]
    [InlineData(7, "nearest")]
    [InlineData(7, "linear")]
    [InlineData(9, "nearest")]
    [InlineData(9, "linear")]
    [InlineData(10, "nearest")]
    [InlineData(10, "linear")]
    public void UpsampleAndResize10MatchOnnxRuntime(int opset, string mode)
    {
        var b = new OnnxModelBuilder(opset).Input("x", -1, 2, 3, 4);
        if (opset == 7)
        {
            var scales = new AttributeProto { Name = "scales", Type = AttributeProto.Types.AttributeType.Floats, Floats = { 1f, 1f, 2f, 3f } };
            b.Node("Upsample", ["x"], "y", ("mode", mode));
            var model7 = b.Output("y").Build();
            model7.Graph.Node[0].Attribute.Add(scales);
            OnnxRuntimeOracle.AssertAgrees(model7, Tolerance, Feed(3, 2, 2, 3, 4));
            return;
        }
        var model = b.Floats("scales", [4], 1, 1, 2f, 1.5f).Node(opset == 10 ? "Resize" : "Upsample", ["x", "scales"], "y", ("mode", mode)).Output("y").Build();
        var x = Feed(3, 2, 2, 3, 4);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, x);
    }

    [Fact]
    public void Resize18WithAxesAndAspectPolicyMatchesOnnxRuntime()
    {
        var x = Feed(4, 2, 2, 4, 6);
        var axes = new OnnxModelBuilder(18).Input("x", -1, 2, 4, 6).Floats("scales", [2], 2f, 0.5f)
            .Node("Resize", ["x", "", "scales"], "y", ("mode", "linear"), ("axes", new long[] { 2, 3 })).Output("y").Build();
        OnnxRuntimeOracle.AssertAgrees(axes, Tolerance, x);
        var policy = new OnnxModelBuilder(18).Input("x", -1, 2, 4, 6).Longs("sizes", 6, 6)
            .Node("Resize", ["x", "", "", "sizes"], "y", ("mode", "nearest"), ("axes", new long[] { 2, 3 }), ("keep_aspect_ratio_policy", "not_larger")).Output("y").Build();
        OnnxRuntimeOracle.AssertAgrees(policy, Tolerance, x);
    }

    [Fact]
    public void AlignCornersWithAFractionalSizeFollowsTheSpecificationWhereOnnxRuntimeRounds()
    {
        // ONNX's reference divides by (input × scale − 1) unrounded (onnx/onnx#2462: intended); ONNX Runtime by the
        // rounded output size − 1. The conformance suite holds the reference; only this corner differs.
        var model = new OnnxModelBuilder(13).Input("x", -1, 1, 2, 4).Floats("scales", [4], 1, 1, 0.6f, 0.6f)
            .Node("Resize", ["x", "", "scales"], "y", ("mode", "linear"), ("coordinate_transformation_mode", "align_corners")).Output("y").Build();
        var x = Tensor<float>.FromArray([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 2, 4);
        var ours = OnnxImporter.Import<float>(model, "m.onnx").Predict(x)[0].ToArray();
        Assert.Equal(1f, ours[0]);
        Assert.Equal(1 + 3 / 1.4f, ours[1], 5);
        Assert.Equal([1f, 4f], OnnxRuntimeOracle.Run(model, x)[0].ToArray());
    }

    [Fact]
    public void UnsupportedResizeFormsAreOpaqueAndFailClearlyInStrictMode()
    {
        OnnxImportException Import(string mode, string coordinates, float[] scales)
        {
            var m = new OnnxModelBuilder(13).Input("x", -1, 2, 4, 4).Floats("scales", [4], scales)
                .Node("Resize", ["x", "", "scales"], "y", ("mode", mode), ("coordinate_transformation_mode", coordinates)).Output("y").Build();
            // Kept opaque, the model runs on ONNX Runtime as the file does.
            OrtOracle.AssertOpaqueRunsOnOnnxRuntime(m, ["Resize"], 1e-5, OrtOracle.Input(6, 1, 2, 2, 4, 4));
            return OrtOracle.StrictRefusal(m, "resize.onnx");
        }
        var cubic = Import("cubic", "half_pixel", [1, 1, 2, 2]);
        Assert.Equal(OnnxImportError.UnsupportedVariant, cubic.Error);
        Assert.Contains("cubic", cubic.Message);
        Assert.Contains("resize.onnx", cubic.Message);
        Assert.Equal(OnnxImportError.UnsupportedVariant, Import("linear", "tf_crop_and_resize", [1, 1, 2, 2]).Error);
        Assert.Equal(OnnxImportError.BatchAxis, Import("nearest", "asymmetric", [2, 1, 2, 2]).Error);
        Assert.Equal(OnnxImportError.UnsupportedVariant, Import("nearest", "asymmetric", [1, 2, 2, 2]).Error);
    }

    public static TheoryData<string> ConvTransposeCases => new()
    {
        "plain", "strided", "pads", "asymmetric_pads", "output_padding", "dilations", "groups", "no_bias",
        "output_shape", "same_upper", "same_lower", "one_d", "depthwise_stride",
    };

    [Theory, MemberData(nameof(ConvTransposeCases))]
    public void ConvTransposeMatchesOnnxRuntime(string name)
    {
        int c = 4, o = 6, kh = 3, kw = 3, group = 1;
        bool bias = true, oneD = false;
        var attributes = new List<(string, object)>();
        switch (name)
        {
            case "plain": break;
            case "strided": attributes.Add(("strides", new long[] { 2, 3 })); break;
            case "pads": attributes.Add(("strides", new long[] { 2, 2 })); attributes.Add(("pads", new long[] { 1, 1, 1, 1 })); break;
            case "asymmetric_pads": attributes.Add(("strides", new long[] { 2, 1 })); attributes.Add(("pads", new long[] { 0, 2, 1, 0 })); break;
            case "output_padding": attributes.Add(("strides", new long[] { 2, 3 })); attributes.Add(("pads", new long[] { 1, 1, 1, 1 })); attributes.Add(("output_padding", new long[] { 1, 2 })); break;
            case "dilations": attributes.Add(("dilations", new long[] { 2, 1 })); attributes.Add(("pads", new long[] { 1, 0, 1, 0 })); break;
            case "groups": group = 2; attributes.Add(("strides", new long[] { 2, 2 })); break;
            case "no_bias": bias = false; kw = 2; break;
            case "output_shape": attributes.Add(("strides", new long[] { 2, 2 })); attributes.Add(("output_shape", new long[] { 10, 12 })); break;
            case "same_upper": attributes.Add(("strides", new long[] { 2, 2 })); attributes.Add(("auto_pad", "SAME_UPPER")); break;
            case "same_lower": attributes.Add(("strides", new long[] { 2, 2 })); attributes.Add(("auto_pad", "SAME_LOWER")); kh = 4; break;
            case "one_d": oneD = true; attributes.Add(("strides", new long[] { 2 })); attributes.Add(("pads", new long[] { 1, 0 })); break;
            case "depthwise_stride": group = 4; o = 4; attributes.Add(("strides", new long[] { 2, 2 })); attributes.Add(("pads", new long[] { 1, 1, 1, 1 })); attributes.Add(("output_padding", new long[] { 1, 1 })); break;
        }
        attributes.Add(("group", (long)group));
        long[] wShape = oneD ? [c, o / group, kw] : [c, o / group, kh, kw];
        var b = new OnnxModelBuilder(13).Input("x", oneD ? [-1, c, 5] : [-1, c, 4, 5])
            .Floats("up.weight", wShape, Weights((int)wShape.Aggregate(1L, (p, d) => p * d), 7));
        if (bias) b.Floats("up.bias", [o], Weights(o, 8));
        var model = b.Node("ConvTranspose", bias ? ["x", "up.weight", "up.bias"] : ["x", "up.weight"], "y", attributes.ToArray()).Output("y").Build();
        var x = Feed(5, oneD ? [3, c, 5] : [3, c, 4, 5]);
        OnnxRuntimeOracle.AssertAgrees(model, Tolerance, x);
        var net = OnnxRuntimeOracle.AssertRoundTrips(model, Tolerance, x);
        var node = net.Graph.Nodes.Single(n => n.Op is ConvTranspose2dOp);
        Assert.Equal("up", node.Name);
        Assert.Contains("up.weight", net.Graph.Parameters.Select(p => p.Name));
    }
}
