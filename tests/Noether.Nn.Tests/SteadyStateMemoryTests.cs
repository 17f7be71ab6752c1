using Noether.Nn.Architectures;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>
/// Steady-state training in a <see cref="TensorArena"/> allocates no large arrays: after warm-up the arena stops
/// growing and a step allocates (on the training thread) less than one [128×512] float tensor would take.
/// </summary>
public class SteadyStateMemoryTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void AfterWarmUpAStepAllocatesNoLargeArrays(string kind)
    {
        var graph = kind == "mlp" ? Builders.Mlp(784, [512, 512], 10) : Builders.SmallCnn([1, 28, 28], [8, 16], 10, hidden: 32);
        var rng = new Rng(1);
        var model = Model<float>.Initialize(graph, rng);
        var x = Tensor<float>.RandomNormal(rng, [128, .. graph.Inputs[0].Shape]);
        var y = Enumerable.Range(0, 128).Select(i => i % 10).ToArray();
        var opt = new Sgd<float>(momentum: 0.9);
        var arena = new TensorArena();
        var grads = new Dictionary<string, Tensor<float>>();
        void Step()
        {
            arena.Reset();
            using var _ = arena.Enter();
            var pass = Executor.Forward(model, [x], training: true, rng: null, fuse: true);
            Losses.CrossEntropy(pass.Outputs[0], y, fused: true).Backward();
            grads.Clear();
            foreach (var (name, p) in pass.Parameters) grads[name] = p.Grad!;
            opt.Step(model.Parameters, grads, 0.01);
        }
        for (int i = 0; i < 3; i++) Step();
        long capacity = arena.CapacityBytes;
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int steps = 4;
        for (int i = 0; i < steps; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        Assert.Equal(capacity, arena.CapacityBytes);
        Assert.True(perStep < 128 * 512 * sizeof(float), $"{perStep:N0} bytes allocated per step");
        Assert.True(capacity > 128 * 512 * sizeof(float), "the step's large tensors came from the arena");
    }
}
