using System.Numerics;

namespace Noether.Tensors.Kernels;

/// <summary>Drives elementwise kernels over broadcast, strided tensors: whole-span fast paths, then row by row.</summary>
internal static class Elementwise
{
    public static Tensor<T> Unary<T, TOp>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<T>
    {
        var src = x.Contiguous();
        var result = Tensor<T>.Uninitialized(x.ShapeArray()); // every element is written below
        TOp.Apply(src.Span, result.Span);
        return result;
    }

    public static Tensor<T> Binary<T, TOp>(Tensor<T> a, Tensor<T> b, string name) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape, name);
        var result = Tensor<T>.Uninitialized(shape); // every row is written below
        var dst = result.Span;
        bool aFull = a.IsContiguous && a.Length == result.Length, bFull = b.IsContiguous && b.Length == result.Length;
        if (aFull && bFull) { TOp.Apply(a.Span, b.Span, dst); return result; }
        if (aFull && b.Length == 1) { TOp.Apply(a.Span, b.Storage.Span[b.Offset], dst); return result; }
        if (bFull && a.Length == 1) { TOp.Apply(a.Storage.Span[a.Offset], b.Span, dst); return result; }
        if (result.Length == 0) return result;
        var (cshape, stA, stB) = Coalesce(shape, a.BroadcastTo(shape).Strides.ToArray(), b.BroadcastTo(shape).Strides.ToArray());
        var av = new Tensor<T>(a.Storage, a.Offset, cshape, stA);
        var bv = new Tensor<T>(b.Storage, b.Offset, cshape, stB);
        shape = cshape;
        var sa = a.Storage.Span; var sb = b.Storage.Span;
        int rank = shape.Length;
        if (rank == 0) { dst[0] = TOp.Apply(sa[a.Offset], sb[b.Offset]); return result; }
        int inner = shape[rank - 1];
        int ia = av.Strides[rank - 1], ib = bv.Strides[rank - 1];
        var idx = new int[rank];
        int pa = av.Offset, pb = bv.Offset;
        for (int o = 0; o < result.Length; o += inner)
        {
            var d = dst.Slice(o, inner);
            if (ia == 1 && ib == 1) TOp.Apply(sa.Slice(pa, inner), sb.Slice(pb, inner), d);
            else if (ia == 1 && ib == 0) TOp.Apply(sa.Slice(pa, inner), sb[pb], d);
            else if (ia == 0 && ib == 1) TOp.Apply(sa[pa], sb.Slice(pb, inner), d);
            else for (int j = 0; j < inner; j++) d[j] = TOp.Apply(sa[pa + j * ia], sb[pb + j * ib]);
            for (int k = rank - 2; k >= 0; k--)
            {
                idx[k]++; pa += av.Strides[k]; pb += bv.Strides[k];
                if (idx[k] < shape[k]) break;
                pa -= idx[k] * av.Strides[k]; pb -= idx[k] * bv.Strides[k]; idx[k] = 0;
            }
        }
        return result;
    }

    /// <summary>
    /// Merges adjacent dimensions that both operands traverse as one (stride[i] = stride[i+1]·shape[i+1], or both 0),
    /// so inner loops run over long rows (e.g. a per-channel bias over H·W pixels becomes one row per channel).
    /// </summary>
    internal static (int[] Shape, int[] StridesA, int[] StridesB) Coalesce(int[] shape, int[] sa, int[] sb)
    {
        var s = new List<int>(); var a = new List<int>(); var b = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1 && shape.Length > 1) continue;   // size-1 axes carry nothing
            if (s.Count > 0 && sa[i] * shape[i] == a[^1] && sb[i] * shape[i] == b[^1])
            {
                s[^1] *= shape[i]; a[^1] = sa[i]; b[^1] = sb[i];
                continue;
            }
            s.Add(shape[i]); a.Add(sa[i]); b.Add(sb[i]);
        }
        if (s.Count == 0) { s.Add(1); a.Add(0); b.Add(0); }
        return (s.ToArray(), a.ToArray(), b.ToArray());
    }
}
