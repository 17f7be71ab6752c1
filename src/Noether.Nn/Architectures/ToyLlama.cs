using Noether.Nn.Operations;

namespace Noether.Nn.Architectures;

/// <summary>
/// A small Llama-shaped next-token model built from the graph IR, for experiments and tests that need a language model
/// without a checkpoint: one-hot tokens [S, V] → <c>model.embed_tokens</c> (a bias-free Linear, weight [d, V]) →
/// L pre-norm blocks (RMSNorm, rotary grouped-query attention, RMSNorm, SwiGLU MLP
/// <c>down(silu(gate·x) ⊙ up·x)</c>) → the last position → <c>model.norm</c> → <c>lm_head</c> (logits over V).
/// Parameter names follow Hugging Face's Llama (<c>model.layers.i.mlp.up_proj.weight</c>, …).
/// </summary>
public static class ToyLlama
{
    /// <summary>Builds the graph.</summary>
    /// <param name="vocab">Vocabulary size V (one-hot input width and logits).</param>
    /// <param name="sequence">Tokens per sample S.</param>
    /// <param name="model">Residual stream width d.</param>
    /// <param name="layers">Transformer blocks.</param>
    /// <param name="heads">Query heads (divides d).</param>
    /// <param name="kvHeads">Key/value heads (divides <paramref name="heads"/>).</param>
    /// <param name="mlp">MLP hidden units per block (one entry per block, or one for all).</param>
    /// <param name="name">Graph name.</param>
    public static Graph Build(int vocab, int sequence, int model, int layers, int heads, int kvHeads, IReadOnlyList<int> mlp, string name = "toy-llama")
    {
        if (vocab < 2 || sequence < 1 || model < 2 || layers < 1)
            throw new ArgumentException($"ToyLlama: vocab {vocab} ≥ 2, sequence {sequence} ≥ 1, model {model} ≥ 2 and layers {layers} ≥ 1 expected");
        if (mlp.Count != 1 && mlp.Count != layers)
            throw new ArgumentException($"ToyLlama: {mlp.Count} MLP widths for {layers} layers (give one, or one per layer)");
        var b = new GraphBuilder(name);
        var x = b.Linear(b.Input("input_ids_onehot", sequence, vocab), model, "model.embed_tokens", bias: false);
        int headDim = model / heads;
        var rope = new RotaryEmbedding(10000, RotaryPairing.Half, headDim - headDim % 2);
        for (int l = 0; l < layers; l++)
        {
            string p = $"model.layers.{l}";
            var attn = b.Add(new AttentionOp(model, heads, kvHeads, Causal: true, Bias: false, rope), $"{p}.self_attn", b.RmsNorm(x, $"{p}.input_layernorm"));
            x = b.Residual(x, attn, $"{p}.add_attn");
            var h = b.RmsNorm(x, $"{p}.post_attention_layernorm");
            int width = mlp[mlp.Count == 1 ? 0 : l];
            var gate = b.Activation(b.Linear(h, width, $"{p}.mlp.gate_proj", bias: false), Activation.Silu, $"{p}.mlp.act");
            var up = b.Linear(h, width, $"{p}.mlp.up_proj", bias: false);
            var prod = b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), $"{p}.mlp.mul", gate, up);
            x = b.Residual(x, b.Linear(prod, model, $"{p}.mlp.down_proj", bias: false), $"{p}.add_mlp");
        }
        // The last position first (the norm acts per token), so the final norm's gain can fold into lm_head.
        x = b.Add(new GatherOp(0, [sequence - 1], []), "last_token", x);
        x = b.RmsNorm(x, "model.norm");
        return b.Build(b.Linear(x, vocab, "lm_head", bias: false));
    }
}
