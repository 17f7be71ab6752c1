using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Architectures;

/// <summary>A named architecture fitted to a data set: the graph and the per-sample shape it reads.</summary>
public sealed record FittedArchitecture(Graph Graph, int[] InputShape);

/// <summary>Builds the standard architectures by name for image data of shape [C, H, W].</summary>
public static class ModelCatalog
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mlp", "cnn", "resnet20", "transformer"];

    /// <summary>
    /// mlp: flattened pixels → <paramref name="depth"/> hidden layers of <paramref name="width"/>; cnn: conv stages of 32 and 64 channels
    /// (16/32 for inputs under 16 pixels) and a hidden layer of <paramref name="width"/> (default 128); resnet20: <paramref name="width"/> channels in the first
    /// stage (default 16; 64 is ResNet-20×4);
    /// transformer: image rows as tokens, model width 64, 4 heads, 2 blocks.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="imageShape">Sample shape [C, H, W].</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="width">Hidden width (see above).</param>
    /// <param name="activation">Hidden activation (default ReLU; GELU for the transformer).</param>
    /// <param name="depth">mlp only: hidden layers.</param>
    /// <param name="norm">mlp only: "none", "layernorm" or "batchnorm" after each hidden Linear.</param>
    public static FittedArchitecture Create(string name, int[] imageShape, int classes, int? width = null, Activation? activation = null, int depth = 2, string norm = "none")
    {
        if (width is < 1) throw new ArgumentException($"width must be positive, got {width}");
        if (depth < 1) throw new ArgumentException($"depth must be positive, got {depth}");
        if (imageShape.Length != 3) throw new ShapeMismatchException("ModelCatalog", "expects image samples [C, H, W]", imageShape);
        int c = imageShape[0], h = imageShape[1], w = imageShape[2];
        return name.ToLowerInvariant() switch
        {
            "mlp" => new(Builders.Mlp(c * h * w, Enumerable.Repeat(width ?? 128, depth).ToArray(), classes, activation, norm), [c * h * w]),
            "cnn" => new(Builders.SmallCnn(imageShape, h < 16 ? [16, 32] : [32, 64], classes, width ?? 128, activation), imageShape),
            "resnet20" => new(Builders.ResNet20(imageShape, classes, width ?? 16), imageShape),
            "transformer" => new(Builders.Transformer(c * h, w, classes, model: 64, heads: 4, kvHeads: 4, layers: 2, activation: activation), [c * h, w]),
            _ => throw new ArgumentException($"Unknown model '{name}'. Known: {string.Join(", ", Names)}"),
        };
    }
}
