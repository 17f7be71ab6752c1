using Noether.Nn.Operations;

namespace Noether.Nn.Architectures;

/// <summary>Builders for the standard model families, with PyTorch-style parameter names.</summary>
public static class Builders
{
    /// <summary>
    /// Multi-layer perceptron: Linear → act (→ norm) → … → Linear, nodes named <c>layers.i</c> like nn.Sequential.
    /// </summary>
    /// <param name="inputs">Input features.</param>
    /// <param name="hidden">Widths of the hidden layers.</param>
    /// <param name="outputs">Output features (logits).</param>
    /// <param name="activation">Hidden activation (default ReLU).</param>
    /// <param name="norm">"none", "layernorm" (after each hidden Linear, before the activation) or "batchnorm".</param>
    /// <param name="name">Graph name.</param>
    public static Graph Mlp(int inputs, IReadOnlyList<int> hidden, int outputs, Activation? activation = null, string norm = "none", string name = "mlp")
    {
        activation ??= Activation.Relu;
        var b = new GraphBuilder(name);
        var x = b.Input("input", inputs);
        int i = 0;
        foreach (var width in hidden)
        {
            x = b.Linear(x, width, $"layers.{i++}");
            x = norm switch
            {
                "none" => x,
                "layernorm" => b.LayerNorm(x, $"layers.{i++}"),
                "batchnorm" => b.BatchNorm(x, $"layers.{i++}"),
                _ => throw new ArgumentException($"Unknown norm '{norm}' (none, layernorm, batchnorm)"),
            };
            x = b.Activation(x, activation, $"layers.{i++}");
        }
        x = b.Linear(x, outputs, $"layers.{i}");
        return b.Build(x);
    }

    /// <summary>Conv(3×3, pad 1) → act → MaxPool(2) per stage, then Flatten → Linear(hidden) → act → Linear(classes).</summary>
    public static Graph SmallCnn(int[] inputShape, IReadOnlyList<int> channels, int classes, int hidden = 128, Activation? activation = null, string name = "cnn")
    {
        activation ??= Activation.Relu;
        var b = new GraphBuilder(name);
        var x = b.Input("input", inputShape);
        for (int s = 0; s < channels.Count; s++)
        {
            x = b.Conv2d(x, channels[s], 3, 1, 1, nodeName: $"features.{3 * s}");
            x = b.Activation(x, activation, $"features.{3 * s + 1}");
            x = b.MaxPool2d(x, 2, nodeName: $"features.{3 * s + 2}");
        }
        x = b.Flatten(x, "flatten");
        if (hidden > 0) x = b.Activation(b.Linear(x, hidden, "classifier.0"), activation, "classifier.1");
        x = b.Linear(x, classes, hidden > 0 ? "classifier.2" : "classifier");
        return b.Build(x);
    }

    /// <summary>
    /// ResNet-20 (He et al. 2016, CIFAR variant): conv–BN–ReLU stem, three stages of three basic blocks with widths
    /// w, 2w, 4w (stride 2 at stage starts, 1×1 conv + BN projection shortcuts), global average pooling, Linear.
    /// </summary>
    public static Graph ResNet20(int[] inputShape, int classes, int width = 16, int blocksPerStage = 3, string name = "resnet20")
    {
        var b = new GraphBuilder(name);
        var x = b.Input("input", inputShape);
        x = b.Activation(b.BatchNorm(b.Conv2d(x, width, 3, 1, 1, bias: false, nodeName: "conv1"), "bn1"), Activation.Relu, "relu1");
        int inC = width;
        for (int stage = 0; stage < 3; stage++)
        {
            int outC = width << stage;
            for (int blk = 0; blk < blocksPerStage; blk++)
            {
                string p = $"layer{stage + 1}.{blk}";
                int stride = stage > 0 && blk == 0 ? 2 : 1;
                var h = b.Activation(b.BatchNorm(b.Conv2d(x, outC, 3, stride, 1, bias: false, nodeName: $"{p}.conv1"), $"{p}.bn1"), Activation.Relu, $"{p}.relu1");
                h = b.BatchNorm(b.Conv2d(h, outC, 3, 1, 1, bias: false, nodeName: $"{p}.conv2"), $"{p}.bn2");
                var shortcut = x;
                if (stride != 1 || inC != outC)
                    shortcut = b.BatchNorm(b.Conv2d(x, outC, 1, stride, 0, bias: false, nodeName: $"{p}.shortcut.0"), $"{p}.shortcut.1");
                x = b.Activation(b.Residual(h, shortcut, $"{p}.add"), Activation.Relu, $"{p}.relu2");
                inC = outC;
            }
        }
        x = b.GlobalAvgPool(x, "pool");
        return b.Build(b.Linear(x, classes, "linear"));
    }

    /// <summary>
    /// A small pre-norm transformer classifier over a sequence of tokens [S, tokenDim] (an image's rows, say):
    /// Linear embedding + learned positions, <paramref name="layers"/> blocks of x + Attn(Norm(x)), x + MLP(Norm(x)),
    /// a final norm, mean pooling over tokens and a Linear head.
    /// </summary>
    /// <param name="sequence">Tokens per sample.</param>
    /// <param name="tokenDim">Features per input token.</param>
    /// <param name="classes">Output logits.</param>
    /// <param name="model">Residual stream width.</param>
    /// <param name="heads">Query heads.</param>
    /// <param name="kvHeads">Key/value heads (divides <paramref name="heads"/>; fewer means grouped-query attention).</param>
    /// <param name="layers">Transformer blocks.</param>
    /// <param name="mlpRatio">MLP hidden width as a multiple of <paramref name="model"/>.</param>
    /// <param name="causal">Mask attention to earlier tokens.</param>
    /// <param name="norm">"layernorm" or "rmsnorm".</param>
    /// <param name="activation">MLP activation (default GELU).</param>
    /// <param name="name">Graph name.</param>
    public static Graph Transformer(int sequence, int tokenDim, int classes, int model = 32, int heads = 4, int kvHeads = 4, int layers = 2,
        int mlpRatio = 2, bool causal = false, string norm = "layernorm", Activation? activation = null, string name = "transformer")
    {
        activation ??= Activation.Gelu;
        var b = new GraphBuilder(name);
        var x = b.Input("input", sequence, tokenDim);
        x = b.Linear(x, model, "embed");
        x = b.Add(new LearnedBiasOp([sequence, model]), "pos_embed", x);
        ValueId Norm(ValueId v, string n) => norm switch
        {
            "layernorm" => b.LayerNorm(v, n),
            "rmsnorm" => b.RmsNorm(v, n),
            _ => throw new ArgumentException($"Unknown norm '{norm}' (layernorm, rmsnorm)"),
        };
        for (int l = 0; l < layers; l++)
        {
            string p = $"blocks.{l}";
            var a = b.Add(new AttentionOp(model, heads, kvHeads, causal), $"{p}.attn", Norm(x, $"{p}.norm1"));
            x = b.Residual(x, a, $"{p}.add1");
            var h = b.Linear(Norm(x, $"{p}.norm2"), model * mlpRatio, $"{p}.mlp.fc1");
            h = b.Linear(b.Activation(h, activation, $"{p}.mlp.act"), model, $"{p}.mlp.fc2");
            x = b.Residual(x, h, $"{p}.add2");
        }
        x = b.Add(new ReduceMeanOp(0), "pool", Norm(x, "norm"));
        return b.Build(b.Linear(x, classes, "head"));
    }

    /// <summary>
    /// An MLP whose Linear layers carry LoRA adapters (Hu et al. 2021): layer i computes W·x + b + B·(A·x) with the base
    /// layer <c>layers.i.base_layer</c>, A = <c>layers.i.lora_A</c> (rank × in, no bias) and B = <c>layers.i.lora_B</c>
    /// (out × rank, no bias), PEFT's names. Train only the adapters by freezing <see cref="LoraBaseParameters"/>.
    /// </summary>
    public static Graph LoraMlp(int inputs, IReadOnlyList<int> hidden, int outputs, int rank, Activation? activation = null, string name = "lora_mlp")
    {
        if (rank < 1) throw new ArgumentException($"LoRA rank must be positive, got {rank}");
        activation ??= Activation.Relu;
        var b = new GraphBuilder(name);
        var x = b.Input("input", inputs);
        int i = 0;
        ValueId Adapted(ValueId v, int width, int index)
        {
            var main = b.Linear(v, width, $"layers.{index}.base_layer");
            var low = b.Linear(b.Linear(v, rank, $"layers.{index}.lora_A", bias: false), width, $"layers.{index}.lora_B", bias: false);
            return b.Residual(main, low, $"layers.{index}");
        }
        foreach (var width in hidden)
        {
            x = Adapted(x, width, i++);
            x = b.Activation(x, activation, $"layers.{i++}");
        }
        return b.Build(Adapted(x, outputs, i));
    }

    /// <summary>The parameters of a LoRA graph's base layers (everything but the adapters), to freeze while fine-tuning.</summary>
    public static IReadOnlySet<string> LoraBaseParameters(Graph graph) =>
        graph.Parameters.Where(p => !p.Name.Contains(".lora_A.") && !p.Name.Contains(".lora_B.")).Select(p => p.Name).ToHashSet();
}
