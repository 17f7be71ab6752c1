using Noether.Tensors;

namespace Noether.IO;

/// <summary>Range (torch.arange): folded at import time; the per-sample IR has no runtime-sized values.</summary>
internal sealed partial class OnnxGraphConverter
{
    private void Range()
    {
        var bounds = new[] { "start", "limit", "delta" }.Select((what, i) => In(i) switch
        {
            ConstValue c when c.DependsOnBatch => throw Fail(OnnxImportError.UnsupportedVariant, $"{what} depends on the batch size, so the output length would too"),
            ConstValue c when Shapes.Size(c.Shape) == 1 => c,
            ConstValue c => throw Malformed($"{what} has shape {Shapes.Format(c.Shape)}; Range takes scalars"),
            null => throw Malformed($"{what} is missing"),
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"{what} ('{_node.Input[i]}') is computed at run time; Range is supported on constants only"),
        }).ToArray();
        double start = bounds[0].Values[0], limit = bounds[1].Values[0], delta = bounds[2].Values[0];
        if (delta == 0 || !double.IsFinite(start) || !double.IsFinite(limit) || !double.IsFinite(delta))
            throw Malformed($"Range({start}, {limit}, {delta}) is not a finite sequence");
        double count = Math.Max(Math.Ceiling((limit - start) / delta), 0);
        if (count > 1 << 24) throw Malformed($"Range({start}, {limit}, {delta}) has {count} elements, over the limit of {1 << 24}");
        CheckBudget([(long)count], $"Range({start}, {limit}, {delta})");
        var type = bounds[0].Tensor.Type;
        // ONNX Runtime accumulates in the element type; float32 rounds each step.
        var values = new double[(int)count];
        double acc = start;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = acc;
            acc = type == Onnx.TensorProto.Types.DataType.Float ? (float)((float)acc + (float)delta) : acc + delta;
        }
        Set(0, ConstValue.Of(Tensor<double>.FromArray(values, values.Length), type));
    }
}
