using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>Every op of the graph IR, run through the executor, passes a float64 finite-difference gradient check.</summary>
public class OpGradientTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> OpNames => new()
    {
        "Linear", "LinearNoBias", "Conv2d", "Conv2dDepthwise", "Conv2dStrided", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "Flatten",
        "Add", "Concat", "BatchNormTrain", "BatchNormEval", "BatchNorm1d", "LayerNorm", "LayerNormNoAffine", "RmsNorm",
        "Attention", "AttentionCausalGqa", "AttentionRotaryHalf", "AttentionRotaryInterleavedPartial", "AttentionQkvBiasRotaryLlama3", "AttentionRotaryLinear", "Dropout", "Softmax", "ReduceMean", "Reshape", "LearnedBias", "PositionEmbedding",
        "relu", "leaky_relu(0.1)", "gelu", "silu", "tanh", "sigmoid", "softplus", "abs", "identity", "custom",
        "relu6", "clip(-1,1)", "clip(-inf,0.5)", "hard_sigmoid(0.2,0.5)", "hard_sigmoid(0.16666666666666666,0.5)", "hard_swish", "gelu_tanh",
    };

    private static (Graph Graph, bool Training) Single(string name)
    {
        var b = new GraphBuilder(name);
        ValueId v;
        bool training = false;
        switch (name)
        {
            case "Linear": v = b.Linear(b.Input("x", 5), 3, "op"); break;
            case "LinearNoBias": v = b.Linear(b.Input("x", 4, 5), 3, "op", bias: false); break;
            case "Conv2d": v = b.Conv2d(b.Input("x", 3, 6, 5), 4, 3, 1, 1, nodeName: "op"); break;
            case "Conv2dDepthwise": v = b.Conv2d(b.Input("x", 4, 5, 5), 4, 3, 1, 1, groups: 4, nodeName: "op"); break;
            case "Conv2dStrided": v = b.Add(new Conv2dOp(2, 4, 3, 2, new Conv2dOptions(2, 1, 1, 0, 2, 1, 2)), "op", b.Input("x", 2, 9, 6)); break;
            case "MaxPool2d": v = b.MaxPool2d(b.Input("x", 2, 6, 6), 2, nodeName: "op"); break;
            case "AvgPool2d": v = b.Add(new AvgPool2dOp(new Pool2dOptions(3, 3, 2, 2, 1, 1)), "op", b.Input("x", 2, 6, 6)); break;
            case "GlobalAvgPool": v = b.GlobalAvgPool(b.Input("x", 3, 4, 4), "op"); break;
            case "Flatten": v = b.Flatten(b.Input("x", 2, 3, 2), "op"); break;
            case "Add": { var x = b.Input("x", 4); v = b.Residual(x, b.Linear(x, 4, "lin"), "op"); break; }
            case "Concat": { var x = b.Input("x", 2, 3); v = b.Add(new ConcatOp(1), "op", x, b.Linear(x, 2, "lin")); break; }
            case "BatchNormTrain": v = b.BatchNorm(b.Input("x", 3, 4, 4), "op"); training = true; break;
            case "BatchNormEval": v = b.BatchNorm(b.Input("x", 3, 4, 4), "op"); break;
            case "BatchNorm1d": v = b.BatchNorm(b.Input("x", 5), "op"); training = true; break;
            case "LayerNorm": v = b.LayerNorm(b.Input("x", 3, 6), "op"); break;
            case "LayerNormNoAffine": v = b.Add(new LayerNormOp(6, Affine: false), "op", b.Input("x", 6)); break;
            case "RmsNorm": v = b.RmsNorm(b.Input("x", 3, 6), "op"); break;
            case "Attention": v = b.Add(new AttentionOp(8, 2, 2), "op", b.Input("x", 4, 8)); break;
            case "AttentionCausalGqa": v = b.Add(new AttentionOp(8, 4, 2, Causal: true, Bias: false), "op", b.Input("x", 5, 8)); break;
            case "AttentionRotaryHalf": v = b.Add(new AttentionOp(16, 4, 2, Causal: true, Bias: false, new RotaryEmbedding(10000, RotaryPairing.Half, 4)), "op", b.Input("x", 5, 16)); break;
            case "AttentionQkvBiasRotaryLlama3": // Qwen2-style biases (q, k, v; none on o_proj), Llama 3.1 frequency scaling
                v = b.Add(new AttentionOp(16, 4, 2, Causal: true, Bias: true, new RotaryEmbedding(500000, RotaryPairing.Half, 4,
                    new RotaryScaling(RotaryScalingKind.Llama3, 8, 1, 4, 4)), OutputBias: false), "op", b.Input("x", 5, 16)); break;
            case "AttentionRotaryLinear":
                v = b.Add(new AttentionOp(8, 2, 1, Causal: true, Bias: false, new RotaryEmbedding(10000, RotaryPairing.Half, 4,
                    new RotaryScaling(RotaryScalingKind.Linear, 2)), OutputBias: true), "op", b.Input("x", 5, 8)); break;
            case "AttentionRotaryInterleavedPartial": v = b.Add(new AttentionOp(12, 2, 2, Rotary: new RotaryEmbedding(100, RotaryPairing.Interleaved, 4)), "op", b.Input("x", 6, 12)); break;
            case "Dropout": v = b.Add(new DropoutOp(0.3), "op", b.Input("x", 10)); training = true; break;
            case "Softmax": v = b.Add(new SoftmaxOp(0), "op", b.Input("x", 3, 4)); break;
            case "ReduceMean": v = b.Add(new ReduceMeanOp(0), "op", b.Input("x", 3, 4)); break;
            case "Reshape": v = b.Add(new ReshapeOp([6, 2]), "op", b.Input("x", 3, 4)); break;
            case "PositionEmbedding": v = b.Add(new PositionEmbeddingOp(7, 4), "op", b.Input("x", 5, 4)); break;
            case "LearnedBias": v = b.Add(new LearnedBiasOp([3, 4]), "op", b.Input("x", 3, 4)); break;
            case "custom": v = b.Activation(b.Input("x", 7), new CustomActivation("sin", Math.Sin, Math.Cos), "op"); break;
            default: v = b.Activation(b.Input("x", 7), Activation.Parse(name), "op"); break;
        }
        return (b.Build(v), training);
    }

    [Theory, MemberData(nameof(OpNames))]
    public void OpPassesFiniteDifferenceCheck(string name)
    {
        var (graph, training) = Single(name);
        // Inputs pushed away from 0 so ReLU-like kinks are not straddled; distinct values keep max-pool winners stable.
        var r = ModelGradCheck.Run(graph, batch: 3, training, input: (rng, shape) =>
            name.StartsWith("MaxPool")
                ? Tensor<double>.FromArray(rng.Permutation(Shapes.Size(shape)).Select(i => i * 0.05).ToArray(), shape)
                : Tensor<double>.RandomNormal(rng, shape).Map(x => x + Math.Sign(x) * 0.05));
        Assert.True(r.MaxRelativeError <= Tolerance, $"{name}: max relative error {r.MaxRelativeError:E3} (analytic {r.Analytic}, numeric {r.Numeric}, at {r.Worst})");
    }
}
