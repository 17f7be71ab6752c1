using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.IO.HuggingFace;

internal static partial class HfFamilies
{
    /// <summary>
    /// GPT2LMHeadModel: token + position embeddings (the whole wpe table is a parameter), per layer LayerNorm →
    /// attention (all heads, biases, causal) → residual → LayerNorm → MLP (c_fc, activation, c_proj) → residual, final
    /// LayerNorm, lm_head tied to wte (unless <c>tie_word_embeddings</c> is false). Conv1D weights are stored [in, out]
    /// and bound transposed; c_attn's q, k and v blocks bind to the attention's three projections. Tensor names may carry
    /// the <c>transformer.</c> prefix or not; the stored causal-mask buffers (<c>attn.bias</c>, <c>attn.masked_bias</c>)
    /// are not parameters. Refused: scale_attn_weights false, scale_attn_by_inverse_layer_idx, cross-attention.
    /// </summary>
    private static HfLayout Gpt2(HfConfig c, int sequence, IReadOnlySet<string> stored)
    {
        int d = c.Int("n_embd", 768), heads = c.Int("n_head", 12), layers = c.Int("n_layer", 12), vocab = c.Int("vocab_size", 50257);
        int positions = c.Int("n_positions", 1024), inner = c.Int("n_inner", 4 * d);
        double eps = c.Double("layer_norm_epsilon", 1e-5);
        if (d % heads != 0) throw new InvalidDataException($"{c.Path}: n_embd {d} is not a multiple of n_head {heads}");
        if (sequence > positions) throw new NotSupportedException($"{c.Path}: a sequence of {sequence} tokens is longer than n_positions {positions}");
        if (!c.Bool("scale_attn_weights", true)) throw new NotSupportedException($"{c.Path}: scale_attn_weights false (unscaled attention) is not supported");
        if (c.Bool("scale_attn_by_inverse_layer_idx", false)) throw new NotSupportedException($"{c.Path}: scale_attn_by_inverse_layer_idx is not supported");
        if (c.Bool("add_cross_attention", false)) throw new NotSupportedException($"{c.Path}: add_cross_attention (an encoder-decoder GPT-2) is not supported");
        bool tied = c.Bool("tie_word_embeddings", true);
        var act = ActivationOf(c, "activation_function", "gelu_new");
        string pre = stored.Contains("wte.weight") && !stored.Contains("transformer.wte.weight") ? "" : "transformer.";

        var b = new GraphBuilder("GPT2LMHeadModel");
        var x = b.Add(new EmbeddingOp(vocab, d), $"{pre}wte", b.Input(InputName, sequence));
        x = b.Add(new PositionEmbeddingOp(positions, d), $"{pre}wpe", x);
        var bindings = new List<HfBinding>();
        void Conv1D(string node, int inF, int outF)
        {
            bindings.Add(new($"{node}.weight", $"{node}.weight", [inF, outF], Transpose: true));
            bindings.Add(new($"{node}.bias", $"{node}.bias", [outF]));
        }
        for (int i = 0; i < layers; i++)
        {
            string p = $"{pre}h.{i}";
            var h = b.Add(new LayerNormOp(d, eps), $"{p}.ln_1", x);
            var a = b.Add(new AttentionOp(d, heads, heads, Causal: true, Bias: true), $"{p}.attn", h);
            string[] roles = ["q_proj", "k_proj", "v_proj"];
            for (int k = 0; k < 3; k++)
            {
                bindings.Add(new($"{p}.attn.{roles[k]}.weight", $"{p}.attn.c_attn.weight", [d, 3 * d], Axis: 1, Start: k * d, Length: d, Transpose: true));
                bindings.Add(new($"{p}.attn.{roles[k]}.bias", $"{p}.attn.c_attn.bias", [3 * d], Axis: 0, Start: k * d, Length: d));
            }
            bindings.Add(new($"{p}.attn.o_proj.weight", $"{p}.attn.c_proj.weight", [d, d], Transpose: true));
            bindings.Add(new($"{p}.attn.o_proj.bias", $"{p}.attn.c_proj.bias", [d]));
            x = b.Residual(x, a, $"{p}.attention_residual");
            h = b.Add(new LayerNormOp(d, eps), $"{p}.ln_2", x);
            h = b.Activation(b.Linear(h, inner, $"{p}.mlp.c_fc"), act, $"{p}.mlp.act");
            Conv1D($"{p}.mlp.c_fc", d, inner);
            x = b.Residual(x, b.Linear(h, d, $"{p}.mlp.c_proj"), $"{p}.mlp_residual");
            Conv1D($"{p}.mlp.c_proj", inner, d);
        }
        x = b.Add(new LayerNormOp(d, eps), $"{pre}ln_f", x);
        var graph = b.Build(b.Linear(x, vocab, "lm_head", bias: false));
        var bound = bindings.Select(x => x.Parameter).ToHashSet();
        bindings.AddRange(Identity(graph).Where(x => !bound.Contains(x.Parameter))
            .Select(x => tied && x.Parameter == "lm_head.weight" ? x with { Tensor = $"{pre}wte.weight" } : x));
        return new HfLayout("GPT2LMHeadModel", graph, bindings,
            name => name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal));
    }
}
