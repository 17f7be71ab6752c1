using System.Diagnostics;
using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Cli.Benchmarks;

/// <summary>One timed inference run: images per second of one engine on one batch.</summary>
internal sealed record InferenceRun(string Engine, double ImagesPerSecond, double MillisecondsPerBatch, int Batches);

/// <summary>
/// Inference of the reference ResNet-20 (CIFAR shape 3×32×32, 10 classes, seeded weights and BatchNorm statistics)
/// through Noether's executor (<see cref="Model{T}.Predict"/>, what <c>noether run</c> calls) and through ONNX
/// Runtime on the same model exported to ONNX, so both run the same weights on the same batch.
/// </summary>
internal sealed class InferenceThroughput : IDisposable
{
    private readonly Model<float> _model;
    private readonly OnnxRuntimeEngine? _ort;
    private readonly Tensor<float> _x;
    private readonly Dictionary<string, TypedArray> _feeds;
    private readonly TensorArena _arena = new();

    public InferenceThroughput(int batch, ulong seed, bool onnxRuntime)
    {
        var rng = new Rng(seed);
        _model = Model<float>.Initialize(ModelCatalog.Create("resnet20", [3, 32, 32], 10).Graph, rng);
        // Non-trivial BatchNorm statistics, so folding them into the convolutions is exercised.
        foreach (var p in _model.Graph.Parameters.Where(p => p.Name.EndsWith(".running_mean") || p.Name.EndsWith(".running_var")))
        {
            var t = _model[p.Name]; var s = t.Span;
            for (int i = 0; i < s.Length; i++) s[i] = p.Name.EndsWith("_var") ? 0.5f + (float)rng.NextDouble() : 0.2f * (float)rng.NextNormal();
        }
        _x = Tensor<float>.RandomNormal(rng, batch, 3, 32, 32);
        _feeds = new() { [_model.Graph.Inputs[0].Name] = TypedArray.FromTensor(_x) };
        if (onnxRuntime) _ort = OnnxRuntimeEngine.FromModel(_model, "resnet20 (exported)");
    }

    /// <summary>The model's trainable parameter count.</summary>
    public long Parameters => _model.Graph.TrainableParameterCount;

    /// <summary>True when ONNX Runtime is measured.</summary>
    public bool HasOnnxRuntime => _ort is not null;

    /// <summary>
    /// Largest |ours − ONNX Runtime| over the logits of the batch (agreement check; NaN without ONNX Runtime) and the
    /// largest |logit|, the scale that difference is read against.
    /// </summary>
    public (double Difference, double Scale) Agreement()
    {
        var ours = _model.Predict(_x)[0].ToArray();
        double scale = ours.Max(v => (double)Math.Abs(v));
        if (_ort is null) return (double.NaN, scale);
        var theirs = _ort.Run(_feeds)[0].Value.ToTensor<float>().ToArray();
        return (ours.Zip(theirs, (a, b) => (double)Math.Abs(a - b)).Max(), scale);
    }

    /// <summary>Times Noether's executor for at least <paramref name="seconds"/> after one warm-up batch.</summary>
    public InferenceRun Noether(double seconds, CancellationToken cancel) => Time("noether", () =>
    {
        _arena.Reset();
        using var _ = _arena.Enter();
        _model.Predict(_x);
    }, seconds, cancel);

    /// <summary>Times ONNX Runtime the same way.</summary>
    public InferenceRun OnnxRuntime(double seconds, CancellationToken cancel) =>
        Time("onnxruntime", () => _ort!.Run(_feeds), seconds, cancel);

    private InferenceRun Time(string engine, Action batch, double seconds, CancellationToken cancel)
    {
        batch();
        int n = 0;
        var sw = Stopwatch.StartNew();
        do { cancel.ThrowIfCancellationRequested(); batch(); n++; } while (sw.Elapsed.TotalSeconds < seconds);
        double per = sw.Elapsed.TotalSeconds / n;
        return new InferenceRun(engine, _x.Dim(0) / per, per * 1e3, n);
    }

    public void Dispose() => _ort?.Dispose();
}
