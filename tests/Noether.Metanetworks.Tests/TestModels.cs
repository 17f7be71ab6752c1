using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Metanetworks.Tests;

internal static class TestModels
{
    /// <summary>5 → 4 → 3 → 2 ReLU MLP.</summary>
    public static Graph Mlp() => Builders.Mlp(5, [4, 3], 2);

    /// <summary>Conv(1→3, 3×3) → ReLU → MaxPool → Conv(3→4, 3×3) → ReLU → Flatten (blocks of 2×2) → Linear(16 → 3).</summary>
    public static Graph Cnn()
    {
        var b = new GraphBuilder("cnn");
        var x = b.Input("input", 1, 4, 4);
        x = b.MaxPool2d(b.Activation(b.Conv2d(x, 3, 3, 1, 1, nodeName: "conv1"), Activation.Relu, "relu1"), 2, nodeName: "pool");
        x = b.Activation(b.Conv2d(x, 4, 3, 1, 1, nodeName: "conv2"), Activation.Relu, "relu2");
        return b.Build(b.Linear(b.Flatten(x, "flatten"), 3, "fc"));
    }

    public static Graph ByName(string name) => name switch { "mlp" => Mlp(), "cnn" => Cnn(), _ => throw new ArgumentException(name) };

    public static Model<double>[] Random(Graph g, int count, ulong seed)
        => Enumerable.Range(0, count).Select(i => Model<double>.Initialize(g, new Rng(seed + (ulong)i))).ToArray();

    public static double MaxAbsDiff(IReadOnlyList<Tensor<double>> a, IReadOnlyList<Tensor<double>> b)
        => a.Zip(b).Max(t => t.First.MaxAbsDiff(t.Second));

    public static double MaxAbs(IReadOnlyList<Tensor<double>> a) => a.Max(t => t.ToArray().Max(Math.Abs));
}
