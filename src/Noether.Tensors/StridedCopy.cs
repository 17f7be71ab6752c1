namespace Noether.Tensors;

/// <summary>Copies between strided views and contiguous buffers, with a fast path for unit inner strides.</summary>
internal static class StridedCopy
{
    /// <summary>Copies a strided view into a contiguous row-major destination.</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int offset, int[] shape, int[] strides, Span<T> dst)
    {
        int rank = shape.Length;
        if (dst.Length == 0) return;
        if (rank == 0) { dst[0] = src[offset]; return; }
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        int outer = dst.Length / inner;
        var idx = new int[rank];
        int pos = offset, o = 0;
        for (int r = 0; r < outer; r++)
        {
            if (innerStride == 1) src.Slice(pos, inner).CopyTo(dst.Slice(o, inner));
            else if (innerStride == 0) dst.Slice(o, inner).Fill(src[pos]);
            else for (int j = 0, p = pos; j < inner; j++, p += innerStride) dst[o + j] = src[p];
            o += inner;
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++; pos += strides[d];
                if (idx[d] < shape[d]) break;
                pos -= idx[d] * strides[d]; idx[d] = 0;
            }
        }
    }

    /// <summary>Copies a contiguous source into a strided view (the destination must not overlap itself).</summary>
    public static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, int offset, int[] shape, int[] strides)
    {
        int rank = shape.Length;
        if (src.Length == 0) return;
        if (rank == 0) { dst[offset] = src[0]; return; }
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        int outer = src.Length / inner;
        var idx = new int[rank];
        int pos = offset, o = 0;
        for (int r = 0; r < outer; r++)
        {
            if (innerStride == 1) src.Slice(o, inner).CopyTo(dst.Slice(pos, inner));
            else for (int j = 0, p = pos; j < inner; j++, p += innerStride) dst[p] = src[o + j];
            o += inner;
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++; pos += strides[d];
                if (idx[d] < shape[d]) break;
                pos -= idx[d] * strides[d]; idx[d] = 0;
            }
        }
    }
}
