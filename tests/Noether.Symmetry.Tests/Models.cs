using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Small models of every builder, with every parameter randomised so that no accidental structure hides a bug.</summary>
internal static class Models
{
    public static readonly string[] ActivationNames = ["relu", "leaky_relu(0.1)", "gelu", "silu", "tanh", "sigmoid", "softplus", "abs", "identity",
        "hard_sigmoid(0.2,0.5)", "hard_swish", "gelu_tanh"]; // bounded clips are covered by BoundedActivationSymmetryTests with inputs that reach the bounds

    public static Graph Build(string family, string activation) => family switch
    {
        "mlp" => Builders.Mlp(5, [6, 7, 6], 3, Activation.Parse(activation)),
        "mlp-layernorm" => Builders.Mlp(5, [6, 7], 3, Activation.Parse(activation), "layernorm"),
        "mlp-batchnorm" => Builders.Mlp(5, [6, 7], 3, Activation.Parse(activation), "batchnorm"),
        "cnn" => Builders.SmallCnn([2, 8, 8], [3, 4], 3, hidden: 5, activation: Activation.Parse(activation)),
        "resnet20" => Builders.ResNet20([2, 8, 8], 3, width: 2, blocksPerStage: 1),
        "cnn-depthwise" => Depthwise(Activation.Parse(activation)),
        "transformer" => Builders.Transformer(4, 3, 3, model: 8, heads: 2, kvHeads: 2, layers: 2, activation: Activation.Parse(activation)),
        "transformer-rms-gqa" => Builders.Transformer(4, 3, 3, model: 8, heads: 4, kvHeads: 2, layers: 1, causal: true, norm: "rmsnorm", activation: Activation.Parse(activation)),
        _ => throw new ArgumentException(family),
    };

    /// <summary>Conv → σ → depthwise conv → σ → global pool → Linear (a MobileNet-style block).</summary>
    private static Graph Depthwise(Activation activation)
    {
        var b = new GraphBuilder("depthwise");
        var x = b.Activation(b.Conv2d(b.Input("x", 2, 6, 6), 4, 3, 1, 1, nodeName: "conv"), activation, "act1");
        x = b.Activation(b.Conv2d(x, 4, 3, 1, 1, groups: 4, nodeName: "dw"), activation, "act2");
        return b.Build(b.Linear(b.GlobalAvgPool(x, "pool"), 3, "head"));
    }

    public static Model<double> Randomised(Graph graph, ulong seed)
    {
        var rng = new Rng(seed);
        return new Model<double>(graph, graph.Parameters.ToDictionary(p => p.Name, p =>
            p.Name.EndsWith("running_var") ? Tensor<double>.RandomUniform(rng, 0.5, 2.0, p.Shape)
            : p.Name.EndsWith("running_mean") ? Tensor<double>.RandomNormal(rng, 0.0, 0.2, p.Shape)
            // Biases lean positive so that ReLU units stay alive and every symmetry is visible in the outputs.
            : p.Name.EndsWith("bias") ? Tensor<double>.RandomNormal(rng, 0.3, 0.5, p.Shape)
            : Tensor<double>.RandomNormal(rng, 0.0, 0.7, p.Shape)));
    }

    public static Tensor<double> Input(Graph graph, ulong seed, int batch = 6) => Tensor<double>.RandomNormal(new Rng(seed), [batch, .. graph.Inputs[0].Shape]);
}
