using Google.Protobuf;
using Noether.Nn;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>Write-back keeps the file: only initializer values change, and ONNX Runtime computes the same function.</summary>
public class OnnxWriteBackTests
{
    private static float[] Random(Rng rng, int n) => Tensor<float>.RandomNormal(rng, [n]).ToArray();

    /// <summary>
    /// x [4, 6] (static batch) → Gemm(transB = 0, weight stored [in, out]) → Relu → MatMul (weight [in, out]) + bias
    /// → Relu → Gemm(transB = 1) → "logits:0"; names with dots and colons, metadata, doc strings, opset 13.
    /// </summary>
    private static ModelProto Mlp(float alpha = 1)
    {
        var rng = new Rng(11);
        var m = new OnnxModelBuilder(13).Input("input.1", 4, 6)
            .Floats("fc1.weight", [6, 5], Random(rng, 30)).Floats("fc1.bias", [5], Random(rng, 5))
            .Floats("fc2.weight", [5, 5], Random(rng, 25)).Floats("fc2.bias", [5], Random(rng, 5))
            .Floats("head.weight", [3, 5], Random(rng, 15)).Floats("head.bias", [3], Random(rng, 3))
            .Node("Gemm", ["input.1", "fc1.weight", "fc1.bias"], "/fc1/Gemm_output_0", ("alpha", alpha))
            .Node("Relu", ["/fc1/Gemm_output_0"], "/act1/Relu_output_0")
            .Node("MatMul", ["/act1/Relu_output_0", "fc2.weight"], "/fc2/MatMul_output_0")
            .Node("Add", ["/fc2/MatMul_output_0", "fc2.bias"], "/fc2/Add_output_0")
            .Node("Relu", ["/fc2/Add_output_0"], "/act2/Relu_output_0")
            .Node("Gemm", ["/act2/Relu_output_0", "head.weight", "head.bias"], "logits:0", ("transB", 1L))
            .Output("logits:0").Build();
        m.Graph.Output[0].Type.TensorType.Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 4 }, new TensorShapeProto.Types.Dimension { DimValue = 3 } } };
        m.Graph.DocString = "a small MLP";
        m.Graph.Node[0].DocString = "first layer";
        m.ProducerName = "pytorch";
        m.ProducerVersion = "2.5";
        m.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "test" });
        return m;
    }

    /// <summary>A function-preserving move of the hidden units: permute fc1's units and scale them by positive factors (ReLU commutes).</summary>
    private static Model<double> Move(Model<double> m, string first, string second)
    {
        int h = m[$"{first}.bias"].Length;
        var perm = Enumerable.Range(0, h).Reverse().ToArray();
        var scale = Enumerable.Range(0, h).Select(i => 0.5 + i).ToArray();
        var w1 = m[$"{first}.weight"]; var b1 = m[$"{first}.bias"]; var w2 = m[$"{second}.weight"];
        var nw1 = new Tensor<double>(w1.ShapeArray()); var nb1 = new Tensor<double>(b1.ShapeArray()); var nw2 = new Tensor<double>(w2.ShapeArray());
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < w1.Dim(1); j++) nw1[i, j] = w1[perm[i], j] * scale[i];
            nb1[i] = b1[perm[i]] * scale[i];
            for (int o = 0; o < w2.Dim(0); o++) nw2[o, i] = w2[o, perm[i]] / scale[i];
        }
        return m.WithParameters(new Dictionary<string, Tensor<double>> { [$"{first}.weight"] = nw1, [$"{first}.bias"] = nb1, [$"{second}.weight"] = nw2 });
    }

    private static float[] RunOrt(ModelProto m, Tensor<float> x)
    {
        using var engine = OnnxRuntimeEngine.FromModel(m, "model");
        return engine.Run(new Dictionary<string, TypedArray> { [engine.Inputs[0].Name] = TypedArray.FromTensor(x) })[0].Value.ToArray<float>();
    }

    [Fact]
    public void TransformedModelKeepsTheFileAndComputesTheSameFunctionOnOnnxRuntime()
    {
        var original = Mlp();
        var model = OnnxImporter.Import<double>(original, "mlp.onnx");
        var names = model.Parameters.Keys.Order().ToArray();
        Assert.Contains("fc1.weight", names);
        var moved = Move(model, "fc1", "fc2");
        var (written, reason) = OnnxWriteBack.TryUpdate(original, moved, "mlp.onnx");
        Assert.True(written is not null, reason);
        // Everything but initializer values is as it was.
        var a = original.Clone(); var b = written!.Clone();
        foreach (var t in a.Graph.Initializer.Concat(b.Graph.Initializer)) { t.RawData = ByteString.Empty; t.FloatData.Clear(); }
        Assert.Equal(a, b);
        Assert.Equal("input.1", written.Graph.Input[0].Name);
        Assert.Equal(4, written.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
        Assert.Equal("logits:0", written.Graph.Output[0].Name);
        Assert.Equal(13, written.OpsetImport[0].Version);
        Assert.Equal("test", written.MetadataProps.Single().Value);
        Assert.Equal("first layer", written.Graph.Node[0].DocString);
        // The weights moved: fc1 (stored [in, out] for Gemm transB = 0) and fc2 (MatMul [in, out]) in their own layouts.
        var changed = original.Graph.Initializer.Zip(written.Graph.Initializer).Where(p => !p.First.Equals(p.Second)).Select(p => p.First.Name).ToArray();
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight"], changed);
        var reread = OnnxImporter.Import<double>(written, "written.onnx");
        foreach (var p in moved.Parameters) Assert.True(reread[p.Key].MaxAbsDiff(p.Value) <= 1e-6 * p.Value.Abs().Max(), p.Key);
        // ONNX Runtime: the same function (≤ 1e-5 relative), from different weights.
        var x = Tensor<float>.RandomNormal(new Rng(3), [4, 6]);
        var y0 = RunOrt(original, x); var y1 = RunOrt(written, x);
        double scale = y0.Max(v => Math.Abs(v));
        Assert.True(y0.Zip(y1).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5 * scale);
    }

    /// <summary>
    /// Float inputs that steer an op (Resize's scales) are never probed: a marker there would change the output size
    /// and the probe copy would not import (the zoo's UNet fell back to the exporter for this reason).
    /// </summary>
    [Fact]
    public void ResizeScalesAreNotProbedSoAConvResizeConvModelKeepsItsFile()
    {
        var rng = new Rng(5);
        var original = new OnnxModelBuilder(13).Input("x", -1, 2, 4, 4)
            .Floats("c1.weight", [3, 2, 1, 1], Random(rng, 6)).Floats("c1.bias", [3], Random(rng, 3))
            .Floats("scales", [4], [1, 1, 2, 2])
            .Floats("c2.weight", [2, 3, 1, 1], Random(rng, 6))
            .Node("Conv", ["x", "c1.weight", "c1.bias"], "h")
            .Node("Relu", ["h"], "r")
            .Node("Resize", ["r", "", "scales"], "u", ("mode", "nearest"))
            .Node("Conv", ["u", "c2.weight"], "y")
            .Output("y").Build();
        var model = OnnxImporter.Import<double>(original, "unet.onnx");
        // Swap hidden channels 0 and 2 of c1 (its rows) and c2 (its columns): the same function.
        int[] perm = [2, 1, 0];
        var w1 = model["c1.weight"]; var b1 = model["c1.bias"]; var w2 = model["c2.weight"];
        var nw1 = w1.Clone(); var nb1 = b1.Clone(); var nw2 = w2.Clone();
        for (int i = 0; i < 3; i++)
        {
            nb1[i] = b1[perm[i]];
            for (int j = 0; j < 2; j++) { nw1[i, j, 0, 0] = w1[perm[i], j, 0, 0]; nw2[j, i, 0, 0] = w2[j, perm[i], 0, 0]; }
        }
        var moved = model.WithParameters(new Dictionary<string, Tensor<double>> { ["c1.weight"] = nw1, ["c1.bias"] = nb1, ["c2.weight"] = nw2 });
        var (written, reason) = OnnxWriteBack.TryUpdate(original, moved, "unet.onnx");
        Assert.True(written is not null, reason);
        Assert.Equal(original.Graph.Node, written!.Graph.Node);
        Assert.Equal(original.Graph.Initializer.Single(t => t.Name == "scales"), written.Graph.Initializer.Single(t => t.Name == "scales"));
        var x = Tensor<float>.RandomNormal(new Rng(3), [2, 2, 4, 4]);
        var y0 = RunOrt(original, x); var y1 = RunOrt(written, x);
        Assert.True(y0.Zip(y1).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5 * y0.Max(v => Math.Abs(v)));
    }

    [Fact]
    public void FileSavesAtomicallyAndNeverTouchesTheOriginal()
    {
        using var dir = new TempDir();
        var path = dir.File("mlp.onnx");
        File.WriteAllBytes(path, Mlp().ToByteArray());
        var before = File.ReadAllBytes(path);
        var moved = Move(OnnxImporter.Load<double>(path), "fc1", "fc2");
        Assert.Null(OnnxWriteBack.TrySave(path, moved, dir.File("moved.onnx")));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Mlp().Graph.Input, OnnxFile.ReadModel(dir.File("moved.onnx")).Graph.Input);
    }

    [Fact]
    public void WeightsComputedFromSeveralValuesFallBackWithAReasonAndWriteNothing()
    {
        using var dir = new TempDir();
        // Gemm alpha = 2: the IR weight is 2·B, not a copy of B.
        var scaled = Mlp(alpha: 2);
        var path = dir.File("scaled.onnx");
        File.WriteAllBytes(path, scaled.ToByteArray());
        var moved = Move(OnnxImporter.Load<double>(path), "fc1", "fc2");
        var reason = OnnxWriteBack.TrySave(path, moved, dir.File("out.onnx"));
        Assert.Contains("'fc1.weight' is computed from the file's tensors", reason);
        Assert.False(File.Exists(dir.File("out.onnx")));
        // A changed graph (a structural transform) cannot keep the file either.
        var model = OnnxImporter.Import<double>(Mlp(), "mlp.onnx");
        var other = new Model<double>(new Graph(model.Graph.Inputs, model.Graph.Nodes, model.Graph.Outputs, "renamed"), model.Parameters);
        Assert.Contains("graph changed", OnnxWriteBack.TryUpdate(Mlp(), other, "mlp.onnx").Reason);
    }

    [Fact]
    public void UnchangedModelIsWrittenByteForByte()
    {
        var original = Mlp();
        var (written, _) = OnnxWriteBack.TryUpdate(original, OnnxImporter.Import<double>(original, "m"), "m");
        Assert.Equal(original.ToByteArray(), written!.ToByteArray());
    }

    [Fact]
    public void TiedWeightsMayMoveTogetherButNotApart()
    {
        var rng = new Rng(5);
        // One initializer W used twice: as Gemm's B with transB = 1 and with transB = 0 (the IR holds W and Wᵀ).
        var original = new OnnxModelBuilder().Input("x", -1, 4).Floats("W", [4, 4], Random(rng, 16))
            .Node("Gemm", ["x", "W"], "h", ("transB", 1L)).Node("Relu", ["h"], "r").Node("Gemm", ["r", "W"], "y").Output("y").Build();
        var model = OnnxImporter.Import<double>(original, "tied.onnx");
        var names = model.Parameters.Keys.Order().ToArray();
        Assert.Equal(2, names.Length);
        var (first, second) = (names[0], names[1]);
        var w = model[first];
        var together = model.WithParameters(new Dictionary<string, Tensor<double>> { [first] = w * 2, [second] = model[second] * 2 });
        var (kept, reason) = OnnxWriteBack.TryUpdate(original, together, "tied.onnx");
        Assert.True(kept is not null, reason);
        var stored = OnnxTensors.Decode(kept!.Graph.Initializer[0], "w").Data;
        var before = OnnxTensors.Decode(original.Graph.Initializer[0], "w").Data;
        Assert.Equal(0.0, stored.MaxAbsDiff(before * 2));
        Assert.Equal(original.Graph.Initializer.Count, kept.Graph.Initializer.Count);
    }

    [Fact]
    public void ParametersReadFromOneInitializerNeverShareStorage()
    {
        // Both Gemms read W as [out, in] (transB = 1): the importer hands out W's decoded storage rather than a copy,
        // and must then give the second parameter its own, or an in-place transform of one would move the other.
        var rng = new Rng(6);
        var original = new OnnxModelBuilder().Input("x", -1, 4).Floats("W", [4, 4], Random(rng, 16))
            .Node("Gemm", ["x", "W"], "h", ("transB", 1L)).Node("Relu", ["h"], "r")
            .Node("Gemm", ["r", "W"], "y", ("transB", 1L)).Output("y").Build();
        var model = OnnxImporter.Import<double>(original, "tied.onnx");
        var names = model.Parameters.Keys.Order().ToArray();
        Assert.Equal(2, names.Length);
        var (a, b) = (model[names[0]], model[names[1]]);
        Assert.Equal(0.0, a.MaxAbsDiff(b));
        Assert.False(a.Storage.Span.Overlaps(b.Storage.Span));
        var before = b.ToArray();
        a.Span[0] += 1;
        Assert.Equal(before, b.ToArray());
    }

    [Fact]
    public void SharedInitializerMovedApartGetsOneCopyPerConsumerAndOrtAgrees()
    {
        var rng = new Rng(5);
        var original = new OnnxModelBuilder().Input("x", 3, 4).Floats("W", [4, 4], Random(rng, 16))
            .Node("Gemm", ["x", "W"], "h", ("transB", 1L)).Node("Relu", ["h"], "r").Node("Gemm", ["r", "W"], "y").Output("y").Build();
        var model = OnnxImporter.Import<double>(original, "tied.onnx");
        // Scale the first layer's units by 2 and the second layer's inputs by 1/2: the function stays, the tie breaks.
        var owners = model.Graph.Nodes.Where(n => n.Op.Parameters.Count > 0).Select(n => n.Name).ToArray();
        Assert.Equal(2, owners.Length);
        var (a, b) = ($"{owners[0]}.weight", $"{owners[1]}.weight");
        var apart = model.WithParameters(new Dictionary<string, Tensor<double>> { [a] = model[a] * 2, [b] = model[b] * 0.5 });
        var (kept, reason) = OnnxWriteBack.TryUpdate(original, apart, "tied.onnx", out var untied);
        Assert.True(kept is not null, reason);
        Assert.Equal(["W"], untied);
        Assert.Equal(new[] { "W", "W.untied1" }, kept!.Graph.Initializer.Select(t => t.Name));
        Assert.Equal("W", kept.Graph.Node[0].Input[1]);
        Assert.Equal(original.Graph.Node.Select(n => n.Name), kept.Graph.Node.Select(n => n.Name));
        var x = Tensor<float>.RandomNormal(new Rng(9), [3, 4]);
        var (want, got) = (RunOrt(original, x), RunOrt(kept, x));
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 1e-4 * Math.Max(1, Math.Abs(want[i])));
        // A transform that keeps the tie writes one tensor again.
        var together = model.WithParameters(new Dictionary<string, Tensor<double>> { [a] = model[a] * 2, [b] = model[b] * 2 });
        var (again, _) = OnnxWriteBack.TryUpdate(original, together, "tied.onnx", out var none);
        Assert.Empty(none);
        Assert.Single(again!.Graph.Initializer);
    }

    [Fact]
    public void Float16InitializersAreTracedAndKeepTheirType()
    {
        var rng = new Rng(6);
        var half = new TensorProto { Name = "fc.weight", DataType = (int)DataType.Float16, Dims = { 3, 4 } };
        half.Int32Data.AddRange(Random(rng, 12).Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)));
        var original = new OnnxModelBuilder().Input("x", -1, 4).Initializer(half).Node("Gemm", ["x", "fc.weight"], "y", ("transB", 1L)).Output("y").Build();
        var model = OnnxImporter.Import<double>(original, "half.onnx");
        var moved = model.WithParameters(new Dictionary<string, Tensor<double>> { ["fc.weight"] = model["fc.weight"] * -0.5 });
        var (kept, reason) = OnnxWriteBack.TryUpdate(original, moved, "half.onnx");
        Assert.True(kept is not null, reason);
        var t = kept!.Graph.Initializer[0];
        Assert.Equal((int)DataType.Float16, t.DataType);
        Assert.Equal(12, t.Int32Data.Count);
        Assert.Equal(0.0, OnnxTensors.Decode(t, "w").Data.MaxAbsDiff(moved["fc.weight"]));
    }
}
