using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Noether.IO.Tests;

/// <summary>ONNX Runtime as an independent oracle: runs an .onnx file on named feeds, returns every output as doubles with its shape.</summary>
internal static class OrtFileOracle
{
    public sealed record Output(string Name, long[] Shape, double[] Values, TensorElementType Type);

    public static Output[] Run(string path, params (string Name, Array Data, long[] Shape)[] feeds)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        var values = feeds.Select(f => f.Data switch
        {
            float[] a => OrtValue.CreateTensorValueFromMemory(a, f.Shape),
            double[] a => OrtValue.CreateTensorValueFromMemory(a, f.Shape),
            long[] a => OrtValue.CreateTensorValueFromMemory(a, f.Shape),
            _ => throw new ArgumentException($"feed {f.Name}: {f.Data.GetType()}"),
        }).ToList();
        try
        {
            var names = session.OutputMetadata.Keys.ToArray();
            using var run = new RunOptions();
            using var outputs = session.Run(run, feeds.Select(f => f.Name).ToArray(), values, names);
            return outputs.Select((v, i) =>
            {
                var info = v.GetTensorTypeAndShape();
                double[] data = info.ElementDataType switch
                {
                    TensorElementType.Float => v.GetTensorDataAsSpan<float>().ToArray().Select(x => (double)x).ToArray(),
                    TensorElementType.Double => v.GetTensorDataAsSpan<double>().ToArray(),
                    TensorElementType.Int64 => v.GetTensorDataAsSpan<long>().ToArray().Select(x => (double)x).ToArray(),
                    var t => throw new NotSupportedException($"output {names[i]}: {t}"),
                };
                return new Output(names[i], info.Shape, data, info.ElementDataType);
            }).ToArray();
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    /// <summary>Largest absolute difference between two runs' outputs (matched by position); shapes must agree.</summary>
    public static double MaxDiff(Output[] a, Output[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].Shape, b[i].Shape);
            Assert.Equal(a[i].Type, b[i].Type);
            for (int k = 0; k < a[i].Values.Length; k++) worst = Math.Max(worst, Math.Abs(a[i].Values[k] - b[i].Values[k]));
        }
        return worst;
    }
}
