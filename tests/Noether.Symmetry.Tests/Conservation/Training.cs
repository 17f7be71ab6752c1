using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>Models, data and gradients for the conservation tests (float64).</summary>
internal static class Training
{
    public static readonly string[] Families = ["mlp", "mlp-linear", "mlp-square", "mlp-layernorm", "cnn-batchnorm", "resnet20", "transformer-gqa", "lora-mlp"];

    public static Graph Build(string family) => family switch
    {
        "mlp" => Builders.Mlp(5, [6, 7], 3),
        "mlp-linear" => Builders.Mlp(5, [4, 4], 3, Activation.Identity),
        "mlp-square" => Builders.Mlp(5, [6, 7], 3, Square),
        "mlp-layernorm" => ZeroEps(Builders.Mlp(5, [6, 7], 3, Activation.Relu, "layernorm")),
        "cnn-batchnorm" => ZeroEps(CnnWithBatchNorm()),
        "resnet20" => ZeroEps(Builders.ResNet20([2, 8, 8], 3, width: 2, blocksPerStage: 1)),
        "transformer-gqa" => Builders.Transformer(4, 3, 3, model: 8, heads: 4, kvHeads: 2, layers: 1, activation: Activation.Relu),
        "lora-mlp" => Builders.LoraMlp(5, [6, 7], 3, rank: 2),
        _ => throw new ArgumentException(family),
    };

    /// <summary>σ(x) = x², homogeneous of degree 2: its rescaling laws weigh the outgoing weights twice (k·u² − ‖v‖²).</summary>
    public static readonly Activation Square = new CustomActivation("square", x => x * x, x => 2 * x);

    /// <summary>Conv → BatchNorm → ReLU → pool, twice, then Flatten → Linear → ReLU → Linear.</summary>
    public static Graph CnnWithBatchNorm(double eps = 1e-5)
    {
        var b = new GraphBuilder("cnn_bn");
        var x = b.Input("input", 2, 8, 8);
        for (int s = 0; s < 2; s++)
        {
            x = b.Conv2d(x, 3 + s, 3, 1, 1, nodeName: $"features.{4 * s}");
            x = b.Add(new BatchNormOp(3 + s, eps), $"features.{4 * s + 1}", x);
            x = b.MaxPool2d(b.Activation(x, Activation.Relu, $"features.{4 * s + 2}"), 2, nodeName: $"features.{4 * s + 3}");
        }
        x = b.Activation(b.Linear(b.Flatten(x, "flatten"), 5, "classifier.0"), Activation.Relu, "classifier.1");
        return b.Build(b.Linear(x, 3, "classifier.2"));
    }

    /// <summary>The same graph with every normalisation's ε set to 0, so that its scale invariance is exact.</summary>
    public static Graph ZeroEps(Graph g) => new(g.Inputs, g.Nodes.Select(n => n.Op switch
    {
        BatchNormOp bn => n with { Op = bn with { Eps = 0 } },
        LayerNormOp ln => n with { Op = ln with { Eps = 0 } },
        RmsNormOp rn => n with { Op = rn with { Eps = 0 } },
        _ => n,
    }).ToArray(), g.Outputs, g.Name);

    public static IReadOnlySet<string> Frozen(string family, Graph g) => family == "lora-mlp" ? Builders.LoraBaseParameters(g) : new HashSet<string>();

    public static (Tensor<double> X, int[] Y) Data(Graph g, ulong seed, int batch = 12)
    {
        var rng = new Rng(seed);
        var x = Tensor<double>.RandomNormal(rng, [batch, .. g.Inputs[0].Shape]);
        int classes = g.ShapeOf(g.Outputs[0])[0];
        return (x, Enumerable.Range(0, batch).Select(_ => rng.NextInt(classes)).ToArray());
    }

    /// <summary>Cross-entropy (training mode) and its gradient for the trainable, unfrozen parameters.</summary>
    public static (double Loss, Dictionary<string, Tensor<double>> Gradient) Gradient(Model<double> model, Tensor<double> x, int[] y, IReadOnlySet<string>? frozen = null)
    {
        var pass = Executor.Forward(model, [x], training: true);
        var loss = Losses.CrossEntropy(pass.Outputs[0], y);
        loss.Backward();
        var grads = pass.Parameters.Where(p => p.Value.Grad is not null && frozen?.Contains(p.Key) != true).ToDictionary(p => p.Key, p => p.Value.Grad!.Clone());
        return (loss.Value.ToScalar(), grads);
    }

    /// <summary>θ − η·g for the parameters in g; the others unchanged.</summary>
    public static Model<double> Step(Model<double> model, IReadOnlyDictionary<string, Tensor<double>> gradient, double lr) =>
        model.WithParameters(gradient.ToDictionary(kv => kv.Key, kv => model[kv.Key] - kv.Value * lr));
}
