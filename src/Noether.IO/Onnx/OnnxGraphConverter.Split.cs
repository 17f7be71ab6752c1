using Noether.Tensors;
using Noether.Nn.Operations;

namespace Noether.IO;

/// <summary>Split: one IR slice per output (qkv.split, chunk).</summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>
    /// The sizes come from the <c>split</c> attribute (opsets 2–12), the optional <c>split</c> input (13+), or, when
    /// absent, equal parts: one per output, or <c>num_outputs</c> (18+) with a smaller last part.
    /// </summary>
    private void Split()
    {
        var v = In(0) ?? throw Malformed("input 0 is missing");
        int[] shape = v is RuntimeValue r ? [-1, .. r.Shape] : ((ConstValue)v).Shape;
        int axis = Axis(Int("axis", 0), shape.Length);
        if (v is RuntimeValue && axis == 0) throw BatchAxis("Split along axis 0 divides the samples");
        int size = shape[axis], outputs = _node.Output.Count;
        long[] sizes = SplitSizes(size, outputs);
        if (sizes.Length != outputs) throw Malformed($"{sizes.Length} split sizes for {outputs} outputs");
        if (sizes.Any(s => s < 0) || sizes.Sum() != size)
            throw Malformed($"split sizes [{string.Join(", ", sizes)}] do not add up to {size}, the size of axis {axis} of {Shapes.Format(shape)}");
        long start = 0;
        for (int k = 0; k < outputs; k++)
        {
            long end = start + sizes[k];
            if (_node.Output[k].Length > 0)
            {
                int shift = v is RuntimeValue ? 1 : 0;
                var op = new SliceOp([axis - shift], [start], [end], [1]);
                Set(k, v is ConstValue c ? Fold(c, op) : Emit(op, Sanitize(_node.Output[k]) is { Length: > 0 } n ? n : $"{BaseName()}_{k}", (RuntimeValue)v));
            }
            start = end;
        }
    }

    private long[] SplitSizes(int size, int outputs)
    {
        if (_opset < 13 && Ints("split") is { } attribute) return attribute;
        if (_opset >= 13 && Raw(1) is not null)
        {
            var c = Const(1, "split");
            if (c.DependsOnBatch) throw Fail(OnnxImportError.UnsupportedVariant, "split sizes depend on the batch size");
            return c.Longs;
        }
        long parts = _opset >= 18 && Attr("num_outputs") is { } n ? n.I : outputs;
        if (parts < 1) throw Malformed($"num_outputs = {parts}");
        if (_opset >= 18 && Attr("num_outputs") is not null)
        {
            long chunk = (size + parts - 1) / parts;
            return Enumerable.Range(0, Int32(parts, "num_outputs")).Select(i => Math.Clamp(size - i * chunk, 0, chunk)).ToArray();
        }
        if (size % parts != 0) throw Malformed($"axis of size {size} does not split into {parts} equal parts");
        return Enumerable.Repeat(size / parts, Int32(parts, "the number of parts")).ToArray();
    }
}
