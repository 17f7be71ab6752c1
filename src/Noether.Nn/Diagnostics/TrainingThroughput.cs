using System.Diagnostics;
using Noether.Nn.Architectures;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Diagnostics;

/// <summary>
/// One throughput measurement of full training steps (forward, backward, optimizer update), with the garbage
/// collections of each generation and the bytes allocated per step during the timed (steady-state) steps.
/// </summary>
public sealed record ThroughputMeasurement(string Model, int BatchSize, long Parameters, double SamplesPerSecond, double MillisecondsPerStep, int Steps,
    int Gen0Collections = 0, int Gen1Collections = 0, int Gen2Collections = 0, long AllocatedBytesPerStep = 0, int Threads = 0);

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

    /// <summary>
    /// Runs SGD steps on random data for at least <paramref name="minSeconds"/> after three warm-up steps; each step's
    /// tensors come from a <see cref="TensorArena"/> reset at the start of the next step.
    /// </summary>
    /// <param name="model">One of <see cref="Models"/>.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="minSeconds">Minimum timed seconds.</param>
    /// <param name="cancel">Stops the measurement.</param>
    /// <param name="threads">Thread budget of the kernels (<see cref="Parallelism.Limit"/>); 0 uses every core.</param>
    public static ThroughputMeasurement Measure(string model, int batchSize = 128, double minSeconds = 2, CancellationToken cancel = default, int threads = 0)
    {
        using var budget = Parallelism.Limit(threads > 0 ? threads : Environment.ProcessorCount);
        var graph = Build(model);
        var rng = new Rng(1);
        var net = Model<float>.Initialize(graph, rng);
        var x = Tensor<float>.RandomNormal(rng, [batchSize, .. graph.Inputs[0].Shape]);
        var y = Enumerable.Range(0, batchSize).Select(_ => rng.NextInt(10)).ToArray();
        var opt = new Sgd<float>(momentum: 0.9);
        var arena = new TensorArena();
        var grads = new Dictionary<string, Tensor<float>>();
        void Step()
        {
            arena.Reset();
            using var scope = arena.Enter();
            var pass = Executor.Forward(net, [x], training: true, rng: null, fuse: true);
            var loss = Losses.CrossEntropy(pass.Outputs[0], y, fused: true);
            loss.Backward();
            grads.Clear();
            foreach (var (name, p) in pass.Parameters) grads[name] = p.Grad!;
            opt.Step(net.Parameters, grads, 0.01);
        }
        Step(); Step(); Step();
        // Settle the warm-up's allocations (the arena's buffers) so the counts below see only the steady state.
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        int steps = 0;
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long bytes = GC.GetTotalAllocatedBytes(precise: false);
        var sw = Stopwatch.StartNew();
        do { cancel.ThrowIfCancellationRequested(); Step(); steps++; } while (sw.Elapsed.TotalSeconds < minSeconds);
        double perStep = sw.Elapsed.TotalSeconds / steps;
        long allocated = GC.GetTotalAllocatedBytes(precise: false) - bytes;
        return new ThroughputMeasurement(model, batchSize, graph.TrainableParameterCount, batchSize / perStep, perStep * 1e3, steps,
            GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2, allocated / steps, Parallelism.MaxThreads);
    }
}
