using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Zoo;

/// <summary>The architectures of the zoo recipes, for training (with dropout) and for keeping (without).</summary>
public static class ZooArchitecture
{
    /// <summary>Channels of each small-cnn convolution (the Small CNN Zoo's 16).</summary>
    public const int CnnChannels = 16;

    /// <summary>Hidden widths of the mlp recipe.</summary>
    public static IReadOnlyList<int> MlpHidden { get; } = [32, 32];

    /// <summary>
    /// The recipe's graph for samples of <paramref name="sampleShape"/> ([C, H, W]): small-cnn is three 3×3
    /// convolutions of 16 channels, stride 2, padding 1, each followed by the activation (and dropout when
    /// <paramref name="dropout"/> &gt; 0), global average pooling and a Linear to the classes; mlp reads the flattened
    /// image. Parameter names do not depend on dropout, so a model trained with it loads into the graph without it.
    /// </summary>
    public static Graph Build(string recipe, int[] sampleShape, int classes, Activation activation, double dropout = 0)
    {
        if (sampleShape.Length != 3) throw new ShapeMismatchException($"zoo recipe '{recipe}'", "expects image samples [C, H, W]", sampleShape);
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), $"dropout must lie in [0, 1), got {dropout}");
        var b = new GraphBuilder(recipe);
        ValueId Act(ValueId x, string name)
        {
            x = b.Activation(x, activation, name);
            return dropout > 0 ? b.Add(new DropoutOp(dropout), name + ".dropout", x) : x;
        }
        switch (recipe)
        {
            case "small-cnn":
            {
                var x = b.Input("input", sampleShape);
                for (int i = 0; i < 3; i++) x = Act(b.Conv2d(x, CnnChannels, 3, 2, 1, nodeName: $"conv{i + 1}"), $"act{i + 1}");
                x = b.GlobalAvgPool(x, "pool");
                return b.Build(b.Linear(x, classes, "fc"));
            }
            case "mlp":
            {
                var x = b.Input("input", sampleShape[0] * sampleShape[1] * sampleShape[2]);
                for (int i = 0; i < MlpHidden.Count; i++) x = Act(b.Linear(x, MlpHidden[i], $"fc{i + 1}"), $"act{i + 1}");
                return b.Build(b.Linear(x, classes, $"fc{MlpHidden.Count + 1}"));
            }
            default:
                throw new ArgumentException($"Unknown zoo recipe '{recipe}'. Known: {string.Join(", ", ZooRecipe.Names)}");
        }
    }
}
