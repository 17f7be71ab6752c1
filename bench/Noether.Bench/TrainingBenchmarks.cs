using BenchmarkDotNet.Attributes;
using Noether.Nn;
using Noether.Nn.Diagnostics;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Bench;

/// <summary>One training step (forward, backward, SGD) at batch 128 on Fashion-MNIST-sized inputs.</summary>
public class TrainingBenchmarks
{
    [Params("mlp-784-512-512-10", "cnn-fashion")]
    public string Model { get; set; } = "";

    private Model<float> _net = null!;
    private Tensor<float> _x = null!;
    private int[] _y = [];
    private readonly Sgd<float> _opt = new(momentum: 0.9);

    [GlobalSetup]
    public void Setup()
    {
        var graph = TrainingThroughput.Build(Model);
        var rng = new Rng(1);
        _net = Model<float>.Initialize(graph, rng);
        _x = Tensor<float>.RandomNormal(rng, [128, .. graph.Inputs[0].Shape]);
        _y = Enumerable.Range(0, 128).Select(_ => rng.NextInt(10)).ToArray();
    }

    [Benchmark(Description = "train step, batch 128")]
    public void Step()
    {
        var pass = Executor.Forward(_net, [_x], training: true);
        Losses.CrossEntropy(pass.Outputs[0], _y).Backward();
        _opt.Step(_net.Parameters, pass.Parameters.ToDictionary(p => p.Key, p => p.Value.Grad!), 0.01);
    }
}
