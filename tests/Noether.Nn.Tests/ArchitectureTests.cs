using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>Whole small models of every builder pass the gradient check, and the builders name parameters PyTorch-style.</summary>
public class ArchitectureTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Models => new() { "mlp", "mlp-layernorm-tanh", "mlp-batchnorm", "cnn", "resnet20", "transformer", "transformer-rms-gqa-causal" };

    internal static Graph Tiny(string name) => name switch
    {
        "mlp" => Builders.Mlp(6, [5, 4], 3),
        "mlp-layernorm-tanh" => Builders.Mlp(6, [5, 4], 3, Activation.Tanh, "layernorm"),
        "mlp-batchnorm" => Builders.Mlp(6, [5], 3, Activation.Gelu, "batchnorm"),
        "cnn" => Builders.SmallCnn([1, 8, 8], [3, 4], 3, hidden: 5),
        "resnet20" => Builders.ResNet20([2, 8, 8], 3, width: 2, blocksPerStage: 1),
        "transformer" => Builders.Transformer(4, 3, 3, model: 8, heads: 2, kvHeads: 2, layers: 2),
        "transformer-rms-gqa-causal" => Builders.Transformer(4, 3, 3, model: 8, heads: 4, kvHeads: 2, layers: 1, causal: true, norm: "rmsnorm", activation: Activation.Silu),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Models))]
    public void WholeModelPassesFiniteDifferenceCheck(string name)
    {
        bool training = name.Contains("batchnorm") || name == "resnet20";
        var r = ModelGradCheck.Run(Tiny(name), batch: 4, training);
        Assert.True(r.MaxRelativeError <= Tolerance, $"{name}: max relative error {r.MaxRelativeError:E3} (analytic {r.Analytic}, numeric {r.Numeric}, at {r.Worst})");
    }

    [Fact]
    public void ParameterNamesFollowPyTorchConventions()
    {
        var mlp = Builders.Mlp(64, [32, 32], 10);
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"], mlp.Parameters.Select(p => p.Name));
        var resnet = Builders.ResNet20([3, 32, 32], 10);
        var names = resnet.Parameters.Select(p => p.Name).ToHashSet();
        Assert.Contains("layer2.0.shortcut.0.weight", names);
        Assert.Contains("layer3.2.bn2.running_var", names);
        Assert.Equal(19, resnet.Nodes.Count(n => n.Op is Conv2dOp && n.Op is Conv2dOp { KernelH: 3 }));
        Assert.InRange(resnet.TrainableParameterCount, 269_000, 275_000); // ResNet-20 on CIFAR has ≈ 0.27 M parameters
        Assert.Equal([10], resnet.ShapeOf("linear"));
    }

    [Fact]
    public void MisfittingShapesNameTheNodeAndBothShapes()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 3, 8, 8);
        var e = Assert.Throws<ShapeMismatchException>(() => b.Add(new LinearOp(10, 4), "head", x));
        Assert.Contains("head", e.Message);
        Assert.Contains("[3, 8, 8]", e.Message);
        var model = Model<double>.Initialize(Builders.Mlp(4, [3], 2), new Rng(1));
        var wrong = Assert.Throws<ShapeMismatchException>(() => model.Predict(Tensor<double>.Zeros(2, 5)));
        Assert.Contains("[2, 5]", wrong.Message); Assert.Contains("[4]", wrong.Message);
        Assert.Throws<ShapeMismatchException>(() => model.WithParameters(new Dictionary<string, Tensor<double>> { ["layers.0.weight"] = Tensor<double>.Zeros(4, 3) }));
    }
}
