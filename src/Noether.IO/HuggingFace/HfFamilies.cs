using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.IO.HuggingFace;

/// <summary>
/// The model families a Hugging Face config can name, each building the graph IR and the tensor bindings from the
/// config. Graph nodes carry the checkpoint's module names (<c>model.layers.0.self_attn</c>), so parameter names are
/// the stored tensor names wherever the graph stores a tensor as it is.
/// </summary>
internal static partial class HfFamilies
{
    /// <summary>The <c>architectures</c> entries understood, in the order error messages list them.</summary>
    public static IReadOnlyList<string> Known { get; } = ["GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    /// <summary>The graph input holding token ids (exact integers stored as floats).</summary>
    public const string InputName = "input_ids";

    /// <summary>
    /// Builds the layout of a checkpoint whose config is <paramref name="config"/>, for sequences of
    /// <paramref name="sequence"/> tokens; <paramref name="stored"/> tells which tensor names the files hold (GPT-2
    /// checkpoints name tensors with or without <c>transformer.</c>).
    /// </summary>
    public static HfLayout Build(HfConfig config, int sequence, IReadOnlySet<string> stored)
    {
        var arch = config.Architecture
            ?? throw new InvalidDataException($"{config.Path}: no \"architectures\" entry; known architectures: {string.Join(", ", Known)}");
        return arch switch
        {
            "GPT2LMHeadModel" => Gpt2(config, sequence, stored),
            "LlamaForCausalLM" or "MistralForCausalLM" or "Qwen2ForCausalLM" => Llama(config, arch, sequence),
            _ => throw new NotSupportedException(ModelFormatException.Escape(
                $"{config.Path}: architecture '{arch}' is not supported; known architectures: {string.Join(", ", Known)}")),
        };
    }

    /// <summary>The activation a config names (<c>hidden_act</c>, <c>activation_function</c>).</summary>
    private static Activation ActivationOf(HfConfig config, string key, string fallback)
    {
        var name = config.String(key, fallback)!;
        return name switch
        {
            "silu" or "swish" => Activation.Silu,
            "gelu" => Activation.Gelu,
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Activation.GeluTanh,
            "relu" => Activation.Relu,
            "tanh" => Activation.Tanh,
            _ => throw config.Bad(key, "names an activation Noether does not know (known: silu, gelu, gelu_new, gelu_pytorch_tanh, relu, tanh)",
                System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(name)).RootElement),
        };
    }

    /// <summary>Bindings of every graph parameter to the stored tensor of the same name.</summary>
    private static List<HfBinding> Identity(Graph graph) => graph.Parameters.Select(p => new HfBinding(p.Name, p.Name, p.Shape)).ToList();
}
