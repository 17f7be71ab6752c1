using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Noether.Nn;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests;

/// <summary>ONNX Runtime as an independent oracle: runs a ModelProto on float feeds and compares Noether's executor with it.</summary>
internal static class OrtOracle
{
    /// <summary>Runs <paramref name="model"/> in ONNX Runtime; outputs in graph order.</summary>
    public static Tensor<float>[] Run(ModelProto model, params Tensor<float>[] feeds)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var names = model.Graph.Input.Where(i => !model.Graph.Initializer.Any(t => t.Name == i.Name)).Select(i => i.Name).ToArray();
        Assert.Equal(names.Length, feeds.Length);
        var inputs = names.Select((n, i) => NamedOnnxValue.CreateFromTensor(n, new DenseTensor(feeds[i].ToArray(), feeds[i].ShapeArray()))).ToList();
        using var results = session.Run(inputs);
        return model.Graph.Output.Select(o =>
        {
            var t = results.Single(r => r.Name == o.Name).AsTensor<float>();
            return new Tensor<float>(t.ToArray(), t.Dimensions.ToArray());
        }).ToArray();
    }

    /// <summary>
    /// Imports <paramref name="model"/> into Noether (float32), runs both engines on <paramref name="feeds"/> and asserts
    /// every output agrees within <paramref name="tolerance"/> (relative, with the same absolute floor). Returns the model.
    /// </summary>
    public static Model<float> AssertAgrees(ModelProto model, double tolerance, params Tensor<float>[] feeds)
    {
        var expected = Run(model, feeds);
        var net = OnnxImporter.Import<float>(model, "test.onnx");
        var actual = net.Predict(feeds);
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k].ShapeArray(), actual[k].ShapeArray());
            float[] e = expected[k].ToArray(), a = actual[k].ToArray();
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])),
                    $"output {k} element {i}: Noether {a[i]:R}, ONNX Runtime {e[i]:R}");
        }
        return net;
    }

    /// <summary>
    /// Imports <paramref name="model"/> (keeping what the IR cannot express opaque), asserts it holds opaque nodes of
    /// <paramref name="opaqueTypes"/> (in graph order), runs the imported model on ONNX Runtime as
    /// <c>run --engine onnxruntime</c> does (exported, then loaded) and asserts every output agrees with the original
    /// file within <paramref name="tolerance"/>. Returns the model.
    /// </summary>
    public static Model<float> AssertOpaqueRunsOnOnnxRuntime(ModelProto model, string[] opaqueTypes, double tolerance, params Tensor<float>[] feeds)
    {
        var expected = Run(model, feeds);
        var net = OnnxImporter.Import<float>(model, "test.onnx");
        Assert.Equal(opaqueTypes, net.Graph.Nodes.Select(n => n.Op).OfType<Noether.Nn.Operations.OpaqueOp>().Select(o => o.OpType));
        using var engine = OnnxRuntimeEngine.FromModel(net, "test.onnx");
        var actual = engine.Run(engine.Inputs.Select((spec, i) => (spec.Name, Value: TypedArray.FromTensor(feeds[i]))).ToDictionary(p => p.Name, p => p.Value));
        Assert.Equal(expected.Length, actual.Count);
        for (int k = 0; k < expected.Length; k++)
        {
            var a = actual[k].Value.ToTensor<float>();
            Assert.Equal(expected[k].ShapeArray(), a.ShapeArray());
            Assert.True(expected[k].MaxAbsDiff(a) <= tolerance * Math.Max(1, expected[k].Abs().Max()), $"output {k}: {expected[k].MaxAbsDiff(a):E2} apart");
        }
        return net;
    }

    /// <summary>Imports in strict mode (the conformance runner's) and returns the refusal.</summary>
    public static OnnxImportException StrictRefusal(ModelProto model, string source)
        => Assert.Throws<OnnxImportException>(() => OnnxImporter.Import<float>(model, source, keepOpaque: false));

    /// <summary>A deterministic float tensor of the given shape with values spread over [−scale, scale].</summary>
    public static Tensor<float> Input(ulong seed, float scale, params int[] shape)
    {
        var rng = new Rng(seed);
        return Tensor<double>.RandomNormal(rng, shape).Map(v => v * scale).Cast<float>();
    }
}
