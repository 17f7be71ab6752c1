using System.Numerics;
using Noether.Nn;
using Noether.Tensors;
using Onnx;

namespace Noether.IO;

/// <summary>
/// Imports ONNX models into the graph IR. The first axis of every graph input is the batch axis; initializers become
/// parameters named after them (<c>layer1.weight</c> stays <c>layer1.weight</c> where the graph allows); Gemm and
/// MatMul with weights become <see cref="Nn.Operations.LinearOp"/>, decomposed LayerNorm and GELU patterns are
/// recognised, decomposed multi-head attention (as <see cref="OnnxExporter"/> writes it) is fused back into
/// <see cref="Nn.Operations.AttentionOp"/> (see <see cref="AttentionFusion"/>), and so is decomposed RMS
/// normalisation (<see cref="RmsNormFusion"/>) and the tanh approximation of GELU (<see cref="GeluTanhFusion"/>), and shape subgraphs (Shape → Gather → Concat → Reshape, …) are folded with the batch size as a symbol.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The ONNX op types the importer maps.</summary>
    public static IReadOnlySet<string> SupportedOps => OnnxGraphConverter.SupportedOps;

    /// <summary>Reads and imports an .onnx file; every failure names the file (and node).</summary>
    /// <exception cref="InvalidDataException">The file is not a parsable ONNX model.</exception>
    /// <exception cref="OnnxImportException">The model uses ops or forms the graph IR cannot express.</exception>
    public static Model<T> Load<T>(string path, long maxBytes = OnnxFile.DefaultMaxBytes) where T : unmanaged, IFloatingPointIeee754<T>
        => Import<T>(OnnxFile.ReadModel(path, maxBytes), path);

    internal static Model<T> Import<T>(ModelProto model, string source) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            var (converted, convertedParameters) = new OnnxGraphConverter(model, source).Convert();
            var (attended, attendedParameters) = AttentionFusion.Apply(converted, convertedParameters);
            var (normed, normedParameters) = RmsNormFusion.Apply(attended, attendedParameters);
            var (graph, parameters) = GeluTanhFusion.Apply(normed, normedParameters);
            return new Model<T>(graph, parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Cast<T>()));
        }
        catch (ArgumentException e)
        {
            throw new OnnxImportException(OnnxImportError.Malformed, source, $"{source}: {e.Message}", e);
        }
    }
}
