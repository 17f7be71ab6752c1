using System.Numerics;

namespace Noether.Tensors.Kernels;

/// <summary>Unfolds image patches into columns (and folds them back) for convolution as GEMM.</summary>
internal static class Im2Col
{
    /// <summary>
    /// col[(c·kh + i)·kw + j, oy·ow + ox] = img[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw] (zero outside the image).
    /// </summary>
    public static void Unfold<T>(ReadOnlySpan<T> img, int channels, int h, int w, in Conv2dGeometry g, Span<T> col) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = oh * ow;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                {
                    var dst = col.Slice(((c * g.KernelH + i) * g.KernelW + j) * plane, plane);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int y = oy * g.StrideH - g.PadH + i * g.DilationH;
                        var drow = dst.Slice(oy * ow, ow);
                        if ((uint)y >= (uint)h) { drow.Clear(); continue; }
                        var srow = img.Slice((c * h + y) * w, w);
                        int x0 = -g.PadW + j * g.DilationW;
                        if (g.StrideW == 1 && x0 >= 0 && x0 + ow <= w) { srow.Slice(x0, ow).CopyTo(drow); continue; }
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int x = x0 + ox * g.StrideW;
                            drow[ox] = (uint)x < (uint)w ? srow[x] : T.Zero;
                        }
                    }
                }
    }

    /// <summary>The adjoint of <see cref="Unfold"/>: accumulates columns back into the image.</summary>
    public static void Fold<T>(ReadOnlySpan<T> col, int channels, int h, int w, in Conv2dGeometry g, Span<T> img) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = oh * ow;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                {
                    var src = col.Slice(((c * g.KernelH + i) * g.KernelW + j) * plane, plane);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int y = oy * g.StrideH - g.PadH + i * g.DilationH;
                        if ((uint)y >= (uint)h) continue;
                        var irow = img.Slice((c * h + y) * w, w);
                        int x0 = -g.PadW + j * g.DilationW;
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int x = x0 + ox * g.StrideW;
                            if ((uint)x < (uint)w) irow[x] += src[oy * ow + ox];
                        }
                    }
                }
    }
}
