using System.Numerics;

namespace Noether.Tensors.Kernels;

/// <summary>Drives elementwise kernels over broadcast, strided tensors: whole-span fast paths, then row by row.</summary>
internal static class Elementwise
{
    public static Tensor<T> Unary<T, TOp>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IUnaryOp<T>
    {
        var src = x.Contiguous();
        var result = new Tensor<T>(x.ShapeArray());
        TOp.Apply(src.Span, result.Span);
        return result;
    }

    public static Tensor<T> Binary<T, TOp>(Tensor<T> a, Tensor<T> b, string name) where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape, name);
        var result = new Tensor<T>(shape);
        var dst = result.Span;
        bool aFull = a.IsContiguous && a.Length == result.Length, bFull = b.IsContiguous && b.Length == result.Length;
        if (aFull && bFull) { TOp.Apply(a.Span, b.Span, dst); return result; }
        if (aFull && b.Length == 1) { TOp.Apply(a.Span, b.Storage.Span[b.Offset], dst); return result; }
        if (bFull && a.Length == 1) { TOp.Apply(a.Storage.Span[a.Offset], b.Span, dst); return result; }
        if (result.Length == 0) return result;
        var av = a.BroadcastTo(shape);
        var bv = b.BroadcastTo(shape);
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
}
