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
/// Every other valid node loads too: unknown ops (any domain), forms the per-sample IR cannot express (a transpose
/// that moves the batch axis) and whatever reads integer inputs (token ids) become <see cref="Nn.Operations.OpaqueOp"/>
/// nodes, which keep the original node for writing back; ONNX Runtime supplies their shapes when the file does not.
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

    /// <summary>
    /// Reads and imports an .onnx file, pinning symbolic input sizes as <paramref name="options"/> say
    /// (see <see cref="OnnxImportOptions"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The options name a symbol the file does not use.</exception>
    public static Model<T> Load<T>(string path, OnnxImportOptions options, long maxBytes = OnnxFile.DefaultMaxBytes) where T : unmanaged, IFloatingPointIeee754<T>
        => Import<T>(OnnxFile.ReadModel(path, maxBytes), path, options: options);

    /// <summary>
    /// The symbolic sizes of an .onnx file's inputs other than the batch axis (what <see cref="OnnxImportOptions.Dims"/>
    /// can pin): symbol → the input and (full) axis where it first appears.
    /// </summary>
    public static IReadOnlyDictionary<string, (string Input, int Axis)> SymbolicDims(string path, long maxBytes = OnnxFile.DefaultMaxBytes)
        => OnnxGraphConverter.Symbols(OnnxFile.ReadSkeleton(path, maxBytes));

    /// <summary>Imports a parsed model; <paramref name="keepOpaque"/> false fails where an opaque node would be kept.</summary>
    internal static Model<T> Import<T>(ModelProto model, string source, bool keepOpaque = true, OnnxImportOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= OnnxImportOptions.Default;
        var symbols = OnnxGraphConverter.Symbols(model);
        var unknown = options.Dims.Keys.Where(k => !symbols.ContainsKey(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"{source}: no input has a symbolic size named {string.Join(", ", unknown.Select(u => $"'{u}'"))}; "
                + (symbols.Count == 0 ? "its inputs have none besides the batch" : $"its symbolic sizes are {string.Join(", ", symbols.Select(kv => $"'{kv.Key}' ({kv.Value.Input} axis {kv.Value.Axis})"))}"));
        foreach (var (k, v) in options.Dims)
            if (v <= 0) throw new ArgumentException($"{source}: symbolic size '{k}' must be pinned to a positive size, got {v}");
        // Symbols left to the default are tried at the default size, then doubled: a small size suits sequences
        // (position tables are often short), a CNN that downsamples 32× needs a larger one, audio models whole frames.
        bool defaulted = symbols.Keys.Any(k => !options.Dims.ContainsKey(k));
        int[] sizes = defaulted ? OnnxImportOptions.DefaultSizes : [OnnxImportOptions.DefaultSize];
        OnnxImportException? first = null;
        foreach (int size in sizes)
        {
            try { return ImportAt<T>(model, source, keepOpaque, options, size); }
            catch (OnnxImportException e) when (defaulted)
            {
                first ??= e;
            }
        }
        var pinned = string.Join(", ", symbols.Keys.Select(k => $"{k}={options.Dims.GetValueOrDefault(k, OnnxImportOptions.DefaultSize)}"));
        throw new OnnxImportException(first!.Error, source, $"{first.Message} (symbolic input sizes pinned to {pinned}, also tried at {string.Join(", ", OnnxImportOptions.DefaultSizes.Skip(1))}; choose them with --dim NAME=SIZE)", first);
    }

    private static Model<T> ImportAt<T>(ModelProto model, string source, bool keepOpaque, OnnxImportOptions options, int defaultSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            // Parameters come out in T: a float32 import never holds the whole model in float64.
            (Graph, Dictionary<string, Tensor<T>>) Convert(bool layoutOps) => new OnnxGraphConverter(model, source, keepOpaque, options, defaultSize, layoutOps).Convert<T>();
            (Graph, Dictionary<string, Tensor<T>>) result;
            // A batch merged with another axis that some consumer cannot carry: convert as before layout ops.
            try { result = Convert(layoutOps: true); }
            catch (MergedBatchException) { result = Convert(layoutOps: false); }
            var (converted, convertedParameters) = result;
            var (unpacked, unpackedParameters) = PackedLinearSplit.Apply(converted, convertedParameters);
            var (split, splitParameters) = LinearSplit.Apply(unpacked, unpackedParameters);
            var (hoisted, hoistedParameters) = ScoreScaleHoist.Apply(split, splitParameters);
            var (attended, attendedParameters) = AttentionFusion.Apply(hoisted, hoistedParameters, options.KnownRotary);
            var (normed, normedParameters) = RmsNormFusion.Apply(attended, attendedParameters);
            var (graph, parameters) = GeluTanhFusion.Apply(normed, normedParameters);
            // The converted tensors are the parameters (a cast would copy the whole model once more), each with
            // storage of its own: converters may hand out a constant's decoded storage, and parameters sharing it
            // would move together under an in-place transform.
            var owners = new HashSet<object>(ReferenceEqualityComparer.Instance);
            var imported = new Model<T>(graph, parameters.ToDictionary(kv => kv.Key, kv =>
            {
                var t = kv.Value;
                // Kept as is only when it is the whole of an array no other parameter holds (a slice, say q of a
                // packed QKV weight, would keep the rest of the array alive).
                bool own = t.IsContiguous && t.Offset == 0
                    && System.Runtime.InteropServices.MemoryMarshal.TryGetArray<T>(t.Storage, out var segment)
                    && segment.Offset == 0 && segment.Count == t.Length && segment.Array!.Length == t.Length
                    && owners.Add(segment.Array);
                return own ? t : t.Clone();
            }));
            // One non-finite policy for every format: what safetensors refuses to read, ONNX does not bring in either.
            foreach (var p in graph.Parameters)
                if (ParameterValues.Violation(p, imported.Parameters[p.Name].Contiguous().Span) is { } why)
                    throw new OnnxImportException(OnnxImportError.Malformed, source, $"{source}: {why}");
            return imported;
        }
        catch (ArgumentException e)
        {
            throw new OnnxImportException(OnnxImportError.Malformed, source, $"{source}: {e.Message}", e);
        }
    }
}
