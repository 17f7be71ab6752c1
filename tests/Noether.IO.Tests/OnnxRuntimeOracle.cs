using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Noether.Tensors;
using Onnx;

namespace Noether.IO.Tests;

/// <summary>Runs a ModelProto through ONNX Runtime with float feeds: the independent oracle of importer tests.</summary>
internal static class OnnxRuntimeOracle
{
    /// <summary>The graph outputs in order, for feeds given in the order of the graph's (non-initializer) inputs.</summary>
    public static Tensor<float>[] Run(ModelProto model, params Tensor<float>[] feeds)
    {
        var names = model.Graph.Input.Where(i => !model.Graph.Initializer.Any(t => t.Name == i.Name)).Select(i => i.Name).ToArray();
        if (names.Length != feeds.Length) throw new ArgumentException($"the model has {names.Length} inputs, {feeds.Length} feeds given");
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var inputs = names.Select((n, i) => NamedOnnxValue.CreateFromTensor(n, new DenseTensor(feeds[i].Contiguous().ToArray(), feeds[i].ShapeArray()))).ToList();
        using var results = session.Run(inputs);
        return model.Graph.Output.Select(o =>
        {
            var t = results.First(r => r.Name == o.Name).AsTensor<float>();
            return Tensor<float>.FromArray(t.ToArray(), t.Dimensions.ToArray());
        }).ToArray();
    }

    /// <summary>Imports with Noether and runs both engines; asserts equal shapes and values within the tolerance.</summary>
    public static void AssertAgrees(ModelProto model, double tolerance, params Tensor<float>[] feeds)
    {
        var expected = Run(model, feeds);
        var net = OnnxImporter.Import<float>(model, "test.onnx");
        var actual = net.Predict(feeds);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].ShapeArray(), actual[i].ShapeArray());
            double err = expected[i].Cast<double>().MaxAbsDiff(actual[i].Cast<double>());
            Assert.True(err <= tolerance, $"output {i} ('{model.Graph.Output[i].Name}'): max |Noether − ONNX Runtime| = {err:E3} > {tolerance:E1}");
        }
    }

    /// <summary>
    /// Imports, exports again and re-imports: ONNX Runtime must give the original model's outputs on the written file,
    /// and the re-imported graph must hold the same ops. Returns the imported model.
    /// </summary>
    public static Noether.Nn.Model<float> AssertRoundTrips(ModelProto model, double tolerance, params Tensor<float>[] feeds)
        => AssertRoundTrips(model, tolerance, sameOps: true, feeds);

    /// <summary>As above; with <paramref name="sameOps"/> false the re-imported graph may be built differently.</summary>
    public static Noether.Nn.Model<float> AssertRoundTrips(ModelProto model, double tolerance, bool sameOps, params Tensor<float>[] feeds)
    {
        var net = OnnxImporter.Import<float>(model, "test.onnx");
        var written = OnnxExporter.Export(net);
        var expected = Run(model, feeds);
        var again = Run(written, feeds);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].ShapeArray(), again[i].ShapeArray());
            double err = expected[i].Cast<double>().MaxAbsDiff(again[i].Cast<double>());
            Assert.True(err <= tolerance, $"output {i} after export: max |written − original| under ONNX Runtime = {err:E3}");
        }
        var back = OnnxImporter.Import<float>(written, "written.onnx");
        var x = back.Predict(feeds);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Cast<double>().MaxAbsDiff(x[i].Cast<double>()) <= tolerance, $"output {i} after export and re-import differs from ONNX Runtime");
        if (sameOps) Assert.Equal(net.Graph.Nodes.Select(n => n.Op.Describe()), back.Graph.Nodes.Select(n => n.Op.Describe()));
        return net;
    }
}
