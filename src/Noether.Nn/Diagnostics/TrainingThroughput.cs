using System.Diagnostics;
using Noether.Nn.Architectures;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Diagnostics;

/// <summary>One throughput measurement of full training steps (forward, backward, optimizer update).</summary>
public sealed record ThroughputMeasurement(string Model, int BatchSize, long Parameters, double SamplesPerSecond, double MillisecondsPerStep, int Steps);

/// <summary>
/// Measures training throughput on synthetic Fashion-MNIST-sized batches (1×28×28, 10 classes) for the reference
/// models of the benchmarks: a 784-512-512-10 ReLU MLP and the small CNN, so figures compare with PyTorch runs
/// of the same models on the same machine.
/// </summary>
public static class TrainingThroughput
{
    /// <summary>Names accepted by <see cref="Measure"/>.</summary>
    public static IReadOnlyList<string> Models { get; } = ["mlp-784-512-512-10", "cnn-fashion"];

    /// <summary>Builds one of the reference graphs.</summary>
    public static Graph Build(string model) => model switch
    {
        "mlp-784-512-512-10" => Builders.Mlp(784, [512, 512], 10),
        "cnn-fashion" => ModelCatalog.Create("cnn", [1, 28, 28], 10).Graph,
        _ => throw new ArgumentException($"Unknown benchmark model '{model}'. Known: {string.Join(", ", Models)}"),
    };

    /// <summary>Runs SGD steps on random data for at least <paramref name="minSeconds"/> after two warm-up steps.</summary>
    public static ThroughputMeasurement Measure(string model, int batchSize = 128, double minSeconds = 2, CancellationToken cancel = default)
    {
        var graph = Build(model);
        var rng = new Rng(1);
        var net = Model<float>.Initialize(graph, rng);
        var x = Tensor<float>.RandomNormal(rng, [batchSize, .. graph.Inputs[0].Shape]);
        var y = Enumerable.Range(0, batchSize).Select(_ => rng.NextInt(10)).ToArray();
        var opt = new Sgd<float>(momentum: 0.9);
        void Step()
        {
            var pass = Executor.Forward(net, [x], training: true);
            var loss = Losses.CrossEntropy(pass.Outputs[0], y);
            loss.Backward();
            opt.Step(net.Parameters, pass.Parameters.ToDictionary(p => p.Key, p => p.Value.Grad!), 0.01);
        }
        Step(); Step();
        int steps = 0;
        var sw = Stopwatch.StartNew();
        do { cancel.ThrowIfCancellationRequested(); Step(); steps++; } while (sw.Elapsed.TotalSeconds < minSeconds);
        double perStep = sw.Elapsed.TotalSeconds / steps;
        return new ThroughputMeasurement(model, batchSize, graph.TrainableParameterCount, batchSize / perStep, perStep * 1e3, steps);
    }
}
