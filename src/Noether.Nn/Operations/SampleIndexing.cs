namespace Noether.Nn.Operations;

/// <summary>Flat-index maps over per-sample shapes, shared by the ops that rearrange elements (pad, slice, gather).</summary>
internal static class SampleIndexing
{
    /// <summary>
    /// Builds the map of <see cref="Noether.Tensors.Autodiff.Ops.Remap{T}"/> for an output of <paramref name="outShape"/>
    /// whose element at multi-index o reads input element (source(axis, o[axis]) per axis), or −1 when any axis gives −1.
    /// The source of an axis depends only on that axis' output coordinate.
    /// </summary>
    public static int[] Map(int[] inShape, int[] outShape, Func<int, int, int> source)
    {
        int rank = inShape.Length;
        var perAxis = new int[rank][];
        for (int a = 0; a < rank; a++)
        {
            perAxis[a] = new int[outShape[a]];
            for (int o = 0; o < outShape[a]; o++) perAxis[a][o] = source(a, o);
        }
        var inStrides = Noether.Tensors.Shapes.ContiguousStrides(inShape);
        var map = new int[Noether.Tensors.Shapes.Size(outShape)];
        var idx = new int[rank];
        for (int j = 0; j < map.Length; j++)
        {
            int flat = 0;
            for (int a = 0; a < rank && flat >= 0; a++)
            {
                int s = perAxis[a][idx[a]];
                flat = s < 0 ? -1 : flat + s * inStrides[a];
            }
            map[j] = flat;
            for (int a = rank - 1; a >= 0; a--) { if (++idx[a] < outShape[a]) break; idx[a] = 0; }
        }
        return map;
    }
}
