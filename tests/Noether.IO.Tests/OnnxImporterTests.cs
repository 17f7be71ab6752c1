using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>The importer's contract: hostile files fail clearly, shape subgraphs fold away, the batch axis stays first.</summary>
public class OnnxImporterTests
{
    private static float[] Range(int n, float scale = 0.1f) => Enumerable.Range(0, n).Select(i => (i % 7 - 3) * scale).ToArray();

    [Fact]
    public void GarbageTruncatedAndOversizedFilesAreInvalidDataNamingTheFile()
    {
        using var dir = new TempDir();
        var garbage = dir.Write("garbage.onnx", Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load<float>(garbage));
        Assert.Contains("garbage.onnx", e.Message);
        var bytes = File.ReadAllBytes(HelloDeepaTests.Data("hello_deepa.onnx"));
        var truncated = dir.Write("truncated.onnx", bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated.onnx", Assert.Throws<InvalidDataException>(() => OnnxImporter.Load<float>(truncated)).Message);
        var capped = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load<float>(HelloDeepaTests.Data("hello_deepa.onnx"), maxBytes: 1000));
        Assert.Contains("limit", capped.Message);
        Assert.Throws<InvalidDataException>(() => OnnxImporter.Load<float>(dir.Write("empty.onnx", [])));
        Assert.Throws<FileNotFoundException>(() => OnnxImporter.Load<float>(dir.File("missing.onnx")));
    }

    [Fact]
    public void MissingExternalDataIsRejectedWithAClearMessage()
    {
        var weight = new TensorProto { Name = "fc.weight", DataType = (int)DataType.Float, DataLocation = TensorProto.Types.DataLocation.External, Dims = { 2, 3 } };
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 3).Initializer(weight).Node("Gemm", ["x", "fc.weight"], "y", ("transB", 1L)).Output("y").Save(dir);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path));
        Assert.Contains("external", e.Message);
        Assert.Contains("fc.weight", e.Message);
        Assert.Contains("model.onnx", e.Message);
        Assert.Contains("weights.bin", e.Message);
    }

    [Fact]
    public void InconsistentTensorSizesAreMalformed()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 3).Floats("w", [2, 3], 1, 2, 3).Node("Gemm", ["x", "w"], "y", ("transB", 1L)).Output("y").Save(dir);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path));
        Assert.Equal(OnnxImportError.Malformed, e.Error);
        Assert.Contains("'w'", e.Message);
    }

    [Fact]
    public void AnUnknownOpWhoseShapeNobodyCanTellIsNamedWithItsFirstNode()
    {
        // NonMaxSuppression without its boxes: no value_info, and ONNX Runtime refuses the model, so the shape stays unknown.
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 4)
            .Node("NonMaxSuppression", ["x"], "a").Node("Relu", ["a"], "b").Node("TopK", ["b"], "c").Node("NonMaxSuppression", ["c"], "d").Output("d").Save(dir);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path));
        Assert.Equal(OnnxImportError.UnsupportedOp, e.Error);
        Assert.Contains("node '/nonmaxsuppression/NonMaxSuppression_0' (NonMaxSuppression)", e.Message);
        Assert.Contains("ONNX Runtime", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ShapeSubgraphsFoldAwayWithTheBatchAsASymbol()
    {
        // PyTorch's x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze → Concat([n, -1]) → Reshape, then a Linear.
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 3, 4)
            .Scalar("zero", 0).Longs("minus_one", -1).Longs("axes", 0).Floats("fc.weight", [2, 12], Range(24)).Floats("fc.bias", [2], 0.5f, -0.5f)
            .Node("Shape", ["x"], "shape").Node("Gather", ["shape", "zero"], "n", ("axis", 0L)).Node("Unsqueeze", ["n", "axes"], "n1")
            .Node("Concat", ["n1", "minus_one"], "target", ("axis", 0L)).Node("Reshape", ["x", "target"], "flat")
            .Node("Gemm", ["flat", "fc.weight", "fc.bias"], "y", ("transB", 1L)).Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.Collection(model.Graph.Nodes, n => Assert.IsType<FlattenOp>(n.Op), n => Assert.Equal(new LinearOp(12, 2), n.Op));
        Assert.Equal(["fc.weight", "fc.bias"], model.Graph.Parameters.Select(p => p.Name));
        var x = Tensor<double>.RandomNormal(new Rng(1), 5, 3, 4);
        var expected = x.Reshape(5, 12).MatMul(model["fc.weight"].Transpose()) + model["fc.bias"];
        Assert.True(model.Predict(x)[0].MaxAbsDiff(expected) < 1e-12);
    }

    [Fact]
    public void AClassTokenExpandedOverTheBatchBecomesABroadcastParameter()
    {
        // PyTorch's torch.cat([cls.expand(x.size(0), -1, -1), x], 1) + pos, exported at opset 13.
        var one = OnnxTensors.Int64("one", 1);
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 4, 8)
            .Floats("cls_token", [1, 1, 8], Range(8)).Floats("pos_embed", [1, 5, 8], Range(40, 0.01f))
            .Scalar("zero", 0).Longs("axes", 0).Longs("minus", -1, -1).Longs("neg", -1)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "zero"], "n", ("axis", 0L)).Node("Unsqueeze", ["n", "axes"], "n1")
            .Node("Concat", ["n1", "minus"], "target", ("axis", 0L)).Node("Equal", ["target", "neg"], "is_neg")
            .Node("Shape", ["target"], "target_shape").Node("ConstantOfShape", ["target_shape"], "ones", ("value", one))
            .Node("Where", ["is_neg", "ones", "target"], "expand_to").Node("Expand", ["cls_token", "expand_to"], "cls")
            .Node("Concat", ["cls", "x"], "tokens", ("axis", 1L)).Node("Add", ["tokens", "pos_embed"], "y").Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.Equal([typeof(BroadcastParameterOp), typeof(ConcatOp), typeof(ParameterBinaryOp)], model.Graph.Nodes.Select(n => n.Op.GetType()));
        Assert.Equal(["cls_token.weight", "pos_embed.weight"], model.Graph.Parameters.Select(p => p.Name));
        var x = Tensor<double>.RandomNormal(new Rng(8), 3, 4, 8);
        var y = model.Predict(x)[0];
        Assert.Equal([3, 5, 8], y.ShapeArray());
        for (int n = 0; n < 3; n++)
            for (int d = 0; d < 8; d++)
            {
                Assert.Equal(Range(8)[d] + Range(40, 0.01f)[d], y[n, 0, d], 6);
                Assert.Equal(x[n, 1, d] + Range(40, 0.01f)[16 + d], y[n, 2, d], 6);
            }
    }

    [Fact]
    public void ZerosOfTheBatchSizeActAsPerSampleConstants()
    {
        var half = new TensorProto { Name = "v", DataType = (int)DataType.Float, Dims = { 1 }, FloatData = { 0.5f } };
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 3).Scalar("zero", 0).Longs("axes", 0).Longs("three", 3)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "zero"], "n", ("axis", 0L)).Node("Unsqueeze", ["n", "axes"], "n1")
            .Node("Concat", ["n1", "three"], "shape", ("axis", 0L)).Node("ConstantOfShape", ["shape"], "halves", ("value", half))
            .Node("Mul", ["x", "halves"], "y").Output("y").Output("halves").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        var x = Tensor<double>.RandomNormal(new Rng(2), 4, 3);
        var outputs = model.Predict(x);
        Assert.True(outputs[0].MaxAbsDiff(x * 0.5) < 1e-15);
        Assert.Equal(Tensor<double>.Full(0.5, 4, 3).ToArray(), outputs[1].ToArray());
        Assert.All(model.Graph.Parameters, p => Assert.False(p.Trainable));
    }

    [Fact]
    public void MatMulPlusBiasAndASquaredLayerNormFuse()
    {
        // nn.Linear on a sequence (MatMul with a pre-transposed anonymous weight, then Add of the bias) and a LayerNorm
        // without affine whose variance uses Mul(d, d) and whose ε is a Constant node placed just before its Add.
        var eps = new TensorProto { Name = "e", DataType = (int)DataType.Float, FloatData = { 1e-5f } };
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 5, 6)
            .Floats("onnx::MatMul_7", [6, 4], Range(24)).Floats("fc.bias", [4], 0.1f, -0.2f, 0.3f, 0f)
            .Node("MatMul", ["x", "onnx::MatMul_7"], "mm").Node("Add", ["mm", "fc.bias"], "h")
            .Node("ReduceMean", ["h"], "mean", ("axes", new long[] { -1 })).Node("Sub", ["h", "mean"], "d").Node("Mul", ["d", "d"], "d2")
            .Node("ReduceMean", ["d2"], "var", ("axes", new long[] { -1 })).Node("Constant", [], "eps", ("value", eps))
            .Node("Add", ["var", "eps"], "var_eps").Node("Sqrt", ["var_eps"], "std").Node("Div", ["d", "std"], "y").Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.Equal([new LinearOp(6, 4), new LayerNormOp(4, 1e-5, Affine: false)], model.Graph.Nodes.Select(n => n.Op));
        Assert.Equal(["fc.weight", "fc.bias"], model.Graph.Parameters.Select(p => p.Name));
        var b = new GraphBuilder();
        var direct = b.Build(b.Add(new LayerNormOp(4, 1e-5, Affine: false), "ln", b.Linear(b.Input("x", 5, 6), 4, "fc")));
        var reference = new Model<double>(direct, model.Parameters);
        var x = Tensor<double>.RandomNormal(new Rng(6), 2, 5, 6);
        Assert.True(model.Predict(x)[0].MaxAbsDiff(reference.Predict(x)[0]) < 1e-12);
    }

    [Fact]
    public void NhwcInputsWithALeadingTransposeImport()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("image", 1, 6, 6, 2)
            .Floats("conv.weight", [3, 2, 3, 3], Range(54)).Floats("conv.bias", [3], 0.1f, 0.2f, 0.3f)
            .Node("Transpose", ["image"], "nchw", ("perm", new long[] { 0, 3, 1, 2 }))
            .Node("Conv", ["nchw", "conv.weight", "conv.bias"], "conv", ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Relu", ["conv"], "relu").Node("GlobalAveragePool", ["relu"], "gap").Node("Flatten", ["gap"], "y", ("axis", 1L)).Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.Equal([6, 6, 2], model.Graph.Inputs[0].Shape);
        Assert.Equal([typeof(TransposeOp), typeof(Conv2dOp), typeof(ActivationOp), typeof(GlobalAvgPoolOp)], model.Graph.Nodes.Select(n => n.Op.GetType()));
        // The same network built directly in the IR on NCHW data.
        var b = new GraphBuilder();
        var direct = b.Build(b.GlobalAvgPool(b.Activation(b.Conv2d(b.Input("x", 2, 6, 6), 3, 3, 1, 1, nodeName: "conv"), Activation.Relu)));
        var reference = new Model<double>(direct, new Dictionary<string, Tensor<double>> { ["conv.weight"] = model["conv.weight"], ["conv.bias"] = model["conv.bias"] });
        var nhwc = Tensor<double>.RandomNormal(new Rng(4), 3, 6, 6, 2);
        Assert.True(model.Predict(nhwc)[0].MaxAbsDiff(reference.Predict(nhwc.Permute(0, 3, 1, 2).Contiguous())[0]) < 1e-12);
    }

    [Fact]
    public void OneDimensionalConvolutionsRunAsTwoDimensionalOnes()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("signal", -1, 2, 9)
            .Floats("conv.weight", [4, 2, 3], Range(24)).Floats("conv.bias", [4], 0.1f, 0.2f, 0.3f, 0.4f)
            .Node("Conv", ["signal", "conv.weight", "conv.bias"], "y", ("strides", new long[] { 2 }), ("pads", new long[] { 1, 2 })).Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.Equal([4, 5], model.Graph.ShapeOf(model.Graph.Outputs[0]));
        var x = Tensor<double>.RandomNormal(new Rng(5), 2, 2, 9);
        var y = model.Predict(x)[0];
        var w = model["conv.weight"];
        // Direct evaluation: y[n, o, t] = b[o] + Σ_c Σ_k w[o, c, 0, k] · x[n, c, 2t − 1 + k] (zero outside [0, 9)).
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 4; o++)
                for (int t = 0; t < 5; t++)
                {
                    double sum = model["conv.bias"][o];
                    for (int c = 0; c < 2; c++)
                        for (int k = 0; k < 3; k++)
                        {
                            int at = 2 * t - 1 + k;
                            if (at >= 0 && at < 9) sum += w[o, c, 0, k] * x[n, c, at];
                        }
                    Assert.Equal(sum, y[n, o, t], 12);
                }
    }

    [Theory]
    [InlineData("Transpose", "perm moves the batch axis")]
    [InlineData("Softmax", "softmax over axis 0")]
    [InlineData("Flatten", "axis 0")]
    [InlineData("ReshapeMerge", "merges the batch size")]
    public void OpsOnTheBatchAxisAreKeptOpaque(string kind, string expected)
    {
        var m = new OnnxModelBuilder().Input("x", -1, 3, 4);
        m = kind switch
        {
            "Transpose" => m.Node("Transpose", ["x"], "y", ("perm", new long[] { 1, 0, 2 })),
            "Softmax" => m.Node("Softmax", ["x"], "y", ("axis", 0L)),
            "Flatten" => m.Node("Flatten", ["x"], "y", ("axis", 0L)),
            _ => m.Longs("one", 1).Longs("minus_one", -1).Scalar("z", 0).Longs("axes", 0).Node("Shape", ["x"], "s").Node("Gather", ["s", "z"], "n", ("axis", 0L))
                .Node("Unsqueeze", ["n", "axes"], "n1").Node("Concat", ["one", "n1", "minus_one"], "t", ("axis", 0L)).Node("Reshape", ["x", "t"], "y"),
        };
        using var dir = new TempDir();
        var path = m.Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(path);
        Assert.NotEmpty(expected);
        var last = Assert.IsType<OpaqueOp>(model.Graph.Producer(model.Graph.Outputs[0])!.Op);
        Assert.Equal(kind == "ReshapeMerge" ? "Reshape" : kind, last.OpType);
        // Written back, ONNX Runtime computes the same outputs.
        OnnxExporter.Save(model, dir.File("written.onnx"));
        var x = Enumerable.Range(0, 24).Select(i => (i % 5 - 2) * 0.3f).ToArray();
        Assert.Equal(0.0, OrtFileOracle.MaxDiff(OrtFileOracle.Run(path, ("x", x, [2, 3, 4])), OrtFileOracle.Run(dir.File("written.onnx"), ("x", x, [2, 3, 4]))));
    }

    [Fact]
    public void IntegerInputsLoadWithTheirElementType()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("ids", DataType.Int64, -1, 4).Node("Identity", ["ids"], "y").Output("y", DataType.Int64).Save(dir);
        var model = OnnxImporter.Load<float>(path);
        Assert.Equal(new InputSpec("ids", [4]) { ElementType = "int64" }, Assert.Single(model.Graph.Inputs));
    }

    [Fact]
    public void ModelFilesDispatchOnTheOnnxExtension()
    {
        using var dir = new TempDir();
        var model = OnnxRoundTripTests.Perturbed(OnnxRoundTripTests.Build("mlp"));
        ModelFiles.Save(model, dir.File("mlp.onnx"));
        var back = ModelFiles.Load<double>(dir.File("mlp.onnx"));
        Assert.Equal(model.Graph.Nodes, back.Graph.Nodes);
        ModelFiles.Save(back, dir.File("mlp.safetensors"));
        var x = Tensor<double>.RandomNormal(new Rng(3), 2, 12);
        Assert.Equal(0.0, model.Predict(x)[0].MaxAbsDiff(ModelFiles.Load<double>(dir.File("mlp.safetensors")).Predict(x)[0]));
    }
}
