using Noether.Nn.Architectures;
using Noether.Nn.Operations;

namespace Noether.Nn.Diagnostics;

/// <summary>
/// The architectures of the resource benchmarks (memory of <c>transform</c>/<c>canonicalize</c> on a large model, time of
/// <c>inspect</c> on a deep graph), built deterministically from their size so every run measures the same models.
/// </summary>
public static class ResourceBenchModels
{
    /// <summary>Names accepted by <see cref="Large"/>.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["mlp", "resnet"];

    /// <summary>
    /// A model with about <paramref name="megabytes"/> MB of float32 parameters: <c>mlp</c> is a ReLU MLP
    /// 1024 → 4096 × k → 10; <c>resnet</c> is ResNet-20 on 3×32×32 images widened until it reaches the size.
    /// </summary>
    public static Graph Large(string architecture, int megabytes)
    {
        if (megabytes < 1 || megabytes > 4000) throw new ArgumentException($"--megabytes must lie in 1..4000, got {megabytes}");
        long target = megabytes * 1_000_000L / sizeof(float);
        switch (architecture)
        {
            case "mlp":
                {
                    const int width = 4096;
                    long first = 1024L * width + width, hidden = (long)width * width + width;
                    int layers = (int)Math.Max(1, Math.Round((target - first) / (double)hidden)) + 1;
                    return Builders.Mlp(1024, Enumerable.Repeat(width, layers).ToArray(), 10, name: $"mlp_{megabytes}mb");
                }
            case "resnet":
                {
                    // ResNet-20 at width 16 has 0.27 M parameters; they grow with the square of the width.
                    int width = Math.Max(16, (int)Math.Round(16 * Math.Sqrt(target / 272_000.0) / 8) * 8);
                    return Builders.ResNet20([3, 32, 32], 10, width, name: $"resnet_{megabytes}mb");
                }
            default:
                throw new ArgumentException($"Unknown architecture '{architecture}'. Known: {string.Join(", ", Architectures)}");
        }
    }

    /// <summary>
    /// A chain of exactly <paramref name="nodes"/> nodes alternating Linear(<paramref name="width"/> →
    /// <paramref name="width"/>) and ReLU: the deep graph whose derivation time must grow near-linearly.
    /// </summary>
    public static Graph Chain(int nodes, int width = 8)
    {
        if (nodes < 1 || nodes > 10_000_000) throw new ArgumentException($"--chain-nodes must lie in 1..10000000, got {nodes}");
        if (width < 1) throw new ArgumentException($"width must be positive, got {width}");
        var b = new GraphBuilder($"chain_{nodes}");
        var x = b.Input("input", width);
        for (int i = 0; i < nodes; i++)
            x = i % 2 == 0 ? b.Linear(x, width, $"l{i}") : b.Activation(x, Activation.Relu, $"r{i}");
        return b.Build(x);
    }
}
