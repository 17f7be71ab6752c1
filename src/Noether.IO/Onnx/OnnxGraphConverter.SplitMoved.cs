using Noether.Nn.Operations;

namespace Noether.IO;

/// <summary>Split of a moved-batch value along another axis (timm's <c>qkv.unbind(0)</c> after <c>permute(2, 0, 3, 1, 4)</c>).</summary>
internal sealed partial class OnnxGraphConverter
{
    private void SplitMoved(MovedBatchValue m)
    {
        int axis = Axis(Int("axis", 0), m.Rank);
        if (axis == m.BatchAxis) throw BatchAxis($"Split along axis {axis} divides the samples (the batch was moved there by {m.Origin})");
        int sampleAxis = axis < m.BatchAxis ? axis : axis - 1;
        int size = m.SampleShape[sampleAxis], outputs = _node.Output.Count;
        long[] sizes = SplitSizes(size, outputs);
        if (sizes.Length != outputs) throw Malformed($"{sizes.Length} split sizes for {outputs} outputs");
        if (sizes.Any(s => s < 0) || sizes.Sum() != size)
            throw Malformed($"split sizes [{string.Join(", ", sizes)}] do not add up to {size}, the size of axis {axis}");
        long start = 0;
        for (int k = 0; k < outputs; k++)
        {
            long end = start + sizes[k];
            if (_node.Output[k].Length > 0)
            {
                var name = Sanitize(_node.Output[k]) is { Length: > 0 } n ? n : $"{BaseName()}_{k}";
                Set(k, Moved(ApplySample(m.Inner, new SliceOp([sampleAxis], [start], [end], [1]), name), m.BatchAxis));
            }
            start = end;
        }
    }
}
