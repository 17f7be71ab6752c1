using Onnx;
using Dim = Onnx.TensorShapeProto.Types.Dimension;

namespace Noether.IO;

/// <summary>
/// Where each graph input keeps its batch axis, and the concrete sizes its symbolic dimensions are pinned to.
/// The batch axis is axis 0 when that axis is symbolic (or when every input is static, as before); an input whose
/// axis 0 is fixed while the other inputs' batch is symbolic keeps its batch on the one axis carrying the same symbol
/// (a recurrent state [layers, batch, hidden]) or has none; a scalar has none. Every other symbolic size is pinned
/// (<see cref="OnnxImportOptions"/>).
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>One graph input's layout: batch axis (−1: none), per-sample shape, the symbol pinned on each per-sample axis, full dims with −1 for the batch.</summary>
    internal sealed record InputLayout(int BatchAxis, int[] Shape, string?[] Symbols, long[] Feed);

    private Dictionary<string, InputLayout>? _layouts;

    private Dictionary<string, InputLayout> InputLayouts() => _layouts ??= Layouts(_graph, _options, _defaultSize, _declaredBatch, _source);

    /// <summary>The symbolic non-batch dimensions of a model's inputs: symbol → (input, full axis) where it first appears.</summary>
    internal static Dictionary<string, (string Input, int Axis)> Symbols(ModelProto model)
    {
        var found = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        foreach (var (name, layout) in Layouts(model.Graph ?? new GraphProto(), OnnxImportOptions.Default, OnnxImportOptions.DefaultSize, null, ""))
            for (int i = 0; i < layout.Symbols.Length; i++)
                if (layout.Symbols[i] is { } s) found.TryAdd(s, (name, layout.BatchAxis >= 0 && i >= layout.BatchAxis ? i + 1 : i));
        return found;
    }

    private static bool Dynamic(Dim d) => d.ValueCase != Dim.ValueOneofCase.DimValue || d.DimValue < 0;

    private static Dictionary<string, InputLayout> Layouts(GraphProto graph, OnnxImportOptions options, int defaultSize, int? declaredBatch, string source)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name) && i.Type?.TensorType?.Shape is not null).ToArray();
        // The batch symbol: the commonest dim_param on axis 0 ("" when the leading sizes are unnamed).
        var leading = inputs.Select(i => i.Type.TensorType.Shape.Dim).Where(d => d.Count > 0 && Dynamic(d[0])).Select(d => d[0].DimParam).ToArray();
        string? batch = leading.Length == 0 ? null : leading.GroupBy(p => p).OrderByDescending(g => g.Count()).First().Key;
        var layouts = new Dictionary<string, InputLayout>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var dims = input.Type.TensorType.Shape.Dim;
            int batchAxis = dims.Count == 0 ? -1 : 0;
            if (dims.Count > 0 && !Dynamic(dims[0]) && batch is not null)
            {
                var carrying = Enumerable.Range(1, dims.Count - 1).Where(k => Dynamic(dims[k]) && dims[k].DimParam == batch).ToArray();
                if (carrying.Length == 1) batchAxis = carrying[0];
            }
            var shape = new List<int>();
            var symbols = new List<string?>();
            var feed = new long[dims.Count];
            for (int k = 0; k < dims.Count; k++)
            {
                if (k == batchAxis) { feed[k] = declaredBatch is null ? -1 : dims[k].DimValue; continue; }
                var d = dims[k];
                if (!Dynamic(d))
                {
                    if (d.DimValue >= int.MaxValue) throw new OnnxImportException(OnnxImportError.Malformed, source, $"{source}: graph input '{input.Name}' has size {d.DimValue} on axis {k}");
                    shape.Add((int)d.DimValue);
                    symbols.Add(null);
                }
                else
                {
                    var symbol = d.DimParam.Length > 0 ? d.DimParam : $"{input.Name}:{k}";
                    shape.Add(options.Dims.TryGetValue(symbol, out var size) ? size : defaultSize);
                    symbols.Add(symbol);
                }
                feed[k] = shape[^1];
            }
            layouts[input.Name] = new InputLayout(batchAxis, shape.ToArray(), symbols.ToArray(), feed);
        }
        return layouts;
    }
}
