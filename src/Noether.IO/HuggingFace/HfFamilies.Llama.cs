using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.IO.HuggingFace;

internal static partial class HfFamilies
{
    /// <summary>
    /// LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM: token embedding, per layer RMSNorm → attention
    /// (grouped-query heads, rotary embeddings with rotate_half pairs, causal) → residual → RMSNorm → SwiGLU MLP →
    /// residual, final RMSNorm, lm_head (tied to the embedding when <c>tie_word_embeddings</c>).
    /// Refused: head_dim other than hidden_size / num_attention_heads, rope_scaling other than linear, llama3 and (for
    /// sequences within max_position_embeddings) dynamic, and a sliding window shorter than the sequence.
    /// </summary>
    private static HfLayout Llama(HfConfig c, string arch, int sequence)
    {
        int d = c.Int("hidden_size"), heads = c.Int("num_attention_heads"), kv = c.Int("num_key_value_heads", heads);
        int layers = c.Int("num_hidden_layers"), inner = c.Int("intermediate_size"), vocab = c.Int("vocab_size");
        double eps = c.Double("rms_norm_eps", 1e-6);
        if (d % heads != 0) throw new InvalidDataException($"{c.Path}: hidden_size {d} is not a multiple of num_attention_heads {heads}");
        if (heads % kv != 0) throw new InvalidDataException($"{c.Path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}");
        int headDim = d / heads;
        if (c.Has("head_dim") && c.Int("head_dim") != headDim)
            throw new NotSupportedException($"{c.Path}: head_dim {c.Int("head_dim")} differs from hidden_size / num_attention_heads = {headDim}; the graph IR's attention needs them equal");
        bool qwen = arch == "Qwen2ForCausalLM", mistral = arch == "MistralForCausalLM";
        bool qkvBias = qwen || (!mistral && c.Bool("attention_bias", false));
        bool? outputBias = qwen ? false : null;
        bool mlpBias = !qwen && !mistral && c.Bool("mlp_bias", false);
        bool tied = c.Bool("tie_word_embeddings", false);
        var act = ActivationOf(c, "hidden_act", "silu");
        CheckWindow(c, arch, sequence);
        var rope = Rotary(c, headDim, sequence);

        var b = new GraphBuilder(arch);
        var x = b.Add(new EmbeddingOp(vocab, d), "model.embed_tokens", b.Input(InputName, sequence));
        for (int i = 0; i < layers; i++)
        {
            string p = $"model.layers.{i}";
            var h = b.Add(new RmsNormOp(d, eps), $"{p}.input_layernorm", x);
            var a = b.Add(new AttentionOp(d, heads, kv, Causal: true, Bias: qkvBias, rope, outputBias), $"{p}.self_attn", h);
            x = b.Residual(x, a, $"{p}.attention_residual");
            h = b.Add(new RmsNormOp(d, eps), $"{p}.post_attention_layernorm", x);
            var gate = b.Activation(b.Linear(h, inner, $"{p}.mlp.gate_proj", mlpBias), act, $"{p}.mlp.act_fn");
            var up = b.Linear(h, inner, $"{p}.mlp.up_proj", mlpBias);
            var m = b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), $"{p}.mlp.gated", gate, up);
            x = b.Residual(x, b.Linear(m, d, $"{p}.mlp.down_proj", mlpBias), $"{p}.mlp_residual");
        }
        x = b.Add(new RmsNormOp(d, eps), "model.norm", x);
        var graph = b.Build(b.Linear(x, vocab, "lm_head", bias: false));
        var bindings = Identity(graph);
        if (tied) bindings = bindings.Select(x => x.Parameter == "lm_head.weight" ? x with { Tensor = "model.embed_tokens.weight" } : x).ToList();
        return new HfLayout(arch, graph, bindings, name => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal),
            rope.Scaling is null && c.Object("rope_scaling") is not null ? "rope_scaling 'dynamic' leaves the frequencies unscaled within max_position_embeddings" : null);
    }

    /// <summary>Mistral's and Qwen2's sliding window: refused when it is shorter than the sequence (it would change the mask).</summary>
    private static void CheckWindow(HfConfig c, string arch, int sequence)
    {
        bool used = arch switch
        {
            "MistralForCausalLM" => c.Has("sliding_window"),
            "Qwen2ForCausalLM" => c.Bool("use_sliding_window", false),
            _ => false,
        };
        if (used && c.Int("sliding_window") < sequence)
            throw new NotSupportedException($"{c.Path}: sliding_window {c.Int("sliding_window")} is shorter than the sequence of {sequence} tokens; the graph IR's causal attention has no window (use a sequence of at most {c.Int("sliding_window")} tokens)");
    }

    /// <summary>The rotary embedding: rope_theta, partial_rotary_factor, rope_scaling (linear, llama3; dynamic within the trained length).</summary>
    private static RotaryEmbedding Rotary(HfConfig c, int headDim, int sequence)
    {
        double theta = c.Double("rope_theta", 10000);
        double partial = c.Double("partial_rotary_factor", 1);
        int dims = (int)(headDim * partial);
        if (dims < 2 || dims % 2 != 0 || dims > headDim) throw new InvalidDataException($"{c.Path}: partial_rotary_factor {partial} gives {dims} rotated dims of a {headDim}-wide head; need an even number from 2 to {headDim}");
        RotaryScaling? scaling = null;
        if (c.Object("rope_scaling") is { } s)
        {
            string kind = s.TryGetProperty("rope_type", out var rt) && rt.ValueKind == System.Text.Json.JsonValueKind.String ? rt.GetString()!
                : s.TryGetProperty("type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String ? t.GetString()! : "";
            double Num(string key) => c.Number(s, key, null, $"rope_scaling.{key}");
            switch (kind)
            {
                case "default": break;
                case "linear": scaling = new RotaryScaling(RotaryScalingKind.Linear, Num("factor")); break;
                case "llama3":
                    double original = Num("original_max_position_embeddings");
                    if (original != Math.Floor(original) || original < 1 || original > int.MaxValue) throw c.Bad("rope_scaling.original_max_position_embeddings", "must be a positive integer");
                    scaling = new RotaryScaling(RotaryScalingKind.Llama3, Num("factor"), Num("low_freq_factor"), Num("high_freq_factor"), (int)original);
                    break;
                case "dynamic" when sequence <= c.Int("max_position_embeddings", int.MaxValue): break; // NTK scaling starts beyond the trained length
                default:
                    throw new NotSupportedException(ModelFormatException.Escape($"{c.Path}: rope_scaling type '{kind}' is not supported (supported: linear, llama3, and dynamic within max_position_embeddings; refused: yarn, longrope, dynamic beyond the trained length)"));
            }
            try { scaling?.Validate(); }
            catch (ArgumentException e) { throw new InvalidDataException($"{c.Path}: {e.Message}", e); }
        }
        return new RotaryEmbedding(theta, RotaryPairing.Half, dims, scaling);
    }
}
