using System.CommandLine;
using Noether.IO;
using Noether.Nn;

namespace Noether.Cli.Commands;

/// <summary>The <c>--engine</c> option: Noether's executor, ONNX Runtime, or auto.</summary>
internal static class EngineChoice
{
    public const string Noether = "noether", OnnxRuntime = "onnxruntime", Auto = "auto";

    public static Option<string> Option(string description, string fallback = Auto) => new Option<string>("--engine")
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
    }.OneOf(Noether, OnnxRuntime, Auto);

    /// <summary>Validates the option's value.</summary>
    public static string Parse(string value) => value switch
    {
        Noether or OnnxRuntime or Auto => value,
        _ => throw new ArgumentException($"--engine must be noether, onnxruntime or auto, got '{value}'"),
    };

    /// <summary>
    /// Resolves <c>auto</c> for one model file: Noether when the file imports into the graph IR with no opaque node, else ONNX Runtime
    /// (with the importer's reason). Non-ONNX files always run on Noether.
    /// </summary>
    public static (string Engine, string? Reason) Resolve(string requested, string path)
    {
        if (requested != Auto) return (requested, null);
        if (!Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) return (Noether, null);
        try
        {
            var model = ModelArguments.LoadFile<float>(path);
            var opaque = model.Graph.Nodes.Where(n => n.Op is Nn.Operations.OpaqueOp).Select(n => ((Nn.Operations.OpaqueOp)n.Op).QualifiedType).Distinct().ToArray();
            return opaque.Length == 0 ? (Noether, null)
                : (OnnxRuntime, $"Noether's executor cannot run its opaque node(s) ({string.Join(", ", opaque)})");
        }
        catch (OnnxImportException e) { return (OnnxRuntime, $"the graph IR cannot import it: {e.Message}"); }
    }

    /// <summary>An ONNX Runtime session for a model file: .onnx files directly, others exported to ONNX in memory.</summary>
    public static OnnxRuntimeEngine Open(string path, string precision)
    {
        if (Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) return OnnxRuntimeEngine.Open(path);
        return precision == "float64"
            ? OnnxRuntimeEngine.FromModel(ModelArguments.LoadFile<double>(path), path)
            : OnnxRuntimeEngine.FromModel(ModelArguments.LoadFile<float>(path), path);
    }
}
