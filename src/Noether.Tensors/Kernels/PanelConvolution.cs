using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Noether.Tensors.Kernels;

/// <summary>
/// Convolution forward without a whole im2col matrix: for each panel of output pixels (the GEMM micro-kernel's
/// width), the patch columns are unfolded straight into the packed panel layout the micro-kernel reads, the
/// weights are packed once per call, and each micro-tile is finished (bias, ReLU) while it is in cache. The panel
/// (kdim × 32 floats) stays in L1/L2, so small-channel convolutions are no longer bound by memory traffic through
/// a full unfolded matrix and its packed copy.
/// </summary>
internal static unsafe class PanelConvolution
{
    /// <summary>True when the SIMD micro-kernels run on this machine.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    private static int Mr => Vector512.IsHardwareAccelerated ? PanelMicroKernel.Mr : GemmMicroKernels.Mr256;
    private static int Nr<T>() where T : unmanaged => Vector512.IsHardwareAccelerated ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    /// <summary>
    /// Packs W_g [og × kdim] (row stride kdim) into micro-panels of Mr rows, k-major, zero-padded: the A operand of
    /// <see cref="Image{T}"/>. Returns the packed length.
    /// </summary>
    public static int PackedWeightLength(int og, int kdim) => (og + Mr - 1) / Mr * Mr * kdim;

    /// <summary>See <see cref="PackedWeightLength"/>.</summary>
    public static void PackWeights<T>(ReadOnlySpan<T> w, int og, int kdim, Span<T> packed) where T : unmanaged
    {
        int mr = Mr;
        for (int r0 = 0; r0 < og; r0 += mr)
        {
            var panel = packed.Slice(r0 * kdim, mr * kdim);
            for (int p = 0; p < kdim; p++)
                for (int r = 0; r < mr; r++)
                    panel[p * mr + r] = r0 + r < og ? w[(r0 + r) * kdim + p] : default;
        }
    }

    /// <summary>
    /// y[o, q] = act(Σ_k W[o, k]·col[k, q] + b[o]) for one image and group: img holds the group's cg channels
    /// (h × w each), y its og output planes (row stride plane). <paramref name="bias"/> may be empty.
    /// </summary>
    public static void Image<T>(ReadOnlySpan<T> img, int cg, int h, int w, in Conv2dGeometry g,
        ReadOnlySpan<T> packedW, int og, ReadOnlySpan<T> bias, bool relu, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = Mr, nr = Nr<T>(), plane = g.OutH * g.OutW, kdim = cg * g.KernelH * g.KernelW;
        var panel = Scratch<T>.Panel(kdim * nr);
        // Stride 1 with padding: unfold from a zero-padded copy of the image, so every run is a plain copy.
        int ph = 0, pw0 = 0;
        if (g.StrideW == 1 && (g.PadH > 0 || g.PadW > 0))
        {
            ph = g.PadH; pw0 = g.PadW;
            int hp = h + 2 * ph, wp = w + 2 * pw0;
            var padded = Scratch<T>.Padded(cg * hp * wp);
            var dstImg = padded.AsSpan(0, cg * hp * wp);
            for (int c = 0; c < cg; c++)
            {
                var plane0 = dstImg.Slice(c * hp * wp, hp * wp);
                plane0[..(ph * wp)].Clear();                 // top border rows
                plane0[((ph + h) * wp)..].Clear();           // bottom border rows
                for (int yy = 0; yy < h; yy++)
                {
                    var row = plane0.Slice((yy + ph) * wp, wp);
                    row[..pw0].Clear(); row[(pw0 + w)..].Clear(); // left and right borders
                    img.Slice((c * h + yy) * w, w).CopyTo(row.Slice(pw0, w));
                }
            }
            img = dstImg; h = hp; w = wp;
        }
        var tile = Scratch<T>.Tile(mr * nr);
        Span<int> by = stackalloc int[nr], bx = stackalloc int[nr];
        bool v512 = Vector512.IsHardwareAccelerated;
        fixed (T* pw = packedW) fixed (T* pp = panel) fixed (T* pt = tile)
        {
            for (int q0 = 0; q0 < plane; q0 += nr)
            {
                int cols = Math.Min(nr, plane - q0);
                for (int t = 0; t < cols; t++)
                {
                    int q = q0 + t, oy = q / g.OutW, ox = q - oy * g.OutW;
                    by[t] = oy * g.StrideH - g.PadH + ph; bx[t] = ox * g.StrideW - g.PadW + pw0;
                }
                Unfold(img, cg, h, w, g, by, bx, cols, nr, panel);
                for (int r0 = 0; r0 < og; r0 += mr)
                {
                    int rows = Math.Min(mr, og - r0);
                    if (v512 && rows == mr && cols == nr)
                    {
                        // A full tile: bias and ReLU in registers, stored straight into the output planes.
                        fixed (T* pb = bias) fixed (T* py = y)
                            PanelMicroKernel.Kernel(kdim, pw + (nint)r0 * kdim, pp, py + (nint)r0 * plane + q0, plane, bias.IsEmpty ? null : pb + r0, relu);
                        continue;
                    }
                    if (v512) PanelMicroKernel.Kernel(kdim, pw + (nint)r0 * kdim, pp, pt, nr, null, false); // stores the tile
                    else
                    {
                        new Span<T>(pt, mr * nr).Clear();
                        GemmMicroKernels.Kernel256(kdim, pw + (nint)r0 * kdim, pp, pt, nr);
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        var src = new Span<T>(pt + r * nr, cols);
                        var dst = y.Slice((r0 + r) * plane + q0, cols);
                        if (!bias.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(src, bias[r0 + r], dst);
                        else src.CopyTo(dst);
                        if (relu) SimdKernels.Relu<T>(dst, dst);
                    }
                }
            }
        }
    }

    /// <summary>
    /// panel[k·nr + t] = patch value k of output pixel t. With stride 1 along x the pixels of one output row form
    /// a run whose patch row is one contiguous input segment; its clipping against the image is worked out once per
    /// (run, kernel row, kernel column) and reused for every channel.
    /// </summary>
    private static void Unfold<T>(ReadOnlySpan<T> img, int cg, int h, int w, in Conv2dGeometry g,
        ReadOnlySpan<int> by, ReadOnlySpan<int> bx, int cols, int nr, Span<T> panel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kh = g.KernelH, kw = g.KernelW, chStride = h * w, kStride = kh * kw * nr;
        if (cols < nr)
            for (int k = 0; k < cg * kh * kw; k++) panel.Slice(k * nr + cols, nr - cols).Clear();
        fixed (T* src = img) fixed (T* dst = panel)
        {
            for (int t = 0; t < cols;)
            {
                int end = t + 1;
                if (g.StrideW == 1) while (end < cols && by[end] == by[t]) end++;
                int len = end - t;
                for (int i = 0; i < kh; i++)
                {
                    int yy = by[t] + i * g.DilationH;
                    bool rowOut = (uint)yy >= (uint)h;
                    for (int j = 0; j < kw; j++)
                    {
                        T* d = dst + (nint)((i * kw + j) * nr + t);
                        if (rowOut)
                        {
                            for (int c = 0; c < cg; c++, d += kStride) new Span<T>(d, len).Clear();
                            continue;
                        }
                        int dj = j * g.DilationW;
                        if (g.StrideW != 1)
                        {
                            int xx = bx[t] + dj;
                            bool inside = (uint)xx < (uint)w;
                            T* s = src + (nint)yy * w + xx;
                            for (int c = 0; c < cg; c++, d += kStride, s += chStride) *d = inside ? *s : T.Zero;
                            continue;
                        }
                        int x0 = bx[t] + dj;
                        int lo = Math.Clamp(-x0, 0, len), hi = Math.Clamp(w - x0, lo, len); // valid part [lo, hi)
                        T* sp = src + (nint)yy * w + x0 + lo;
                        nint bytes = (nint)(hi - lo) * sizeof(T);
                        if (lo == 0 && hi == len && Vector256.IsHardwareAccelerated && len % Vector256<T>.Count == 0)
                        {
                            // A run inside the image whose length is a whole number of vectors: vector copies per channel.
                            int vw = Vector256<T>.Count;
                            for (int c = 0; c < cg; c++, d += kStride, sp += chStride)
                                for (int q = 0; q < len; q += vw) Vector256.Load(sp + q).Store(d + q);
                            continue;
                        }
                        for (int c = 0; c < cg; c++, d += kStride, sp += chStride)
                        {
                            for (int q = 0; q < lo; q++) d[q] = T.Zero;
                            Buffer.MemoryCopy(sp, d + lo, bytes, bytes);
                            for (int q = hi; q < len; q++) d[q] = T.Zero;
                        }
                    }
                }
                t = end;
            }
        }
    }

    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? s_panel;
        [ThreadStatic] private static T[]? s_tile;

        public static T[] Panel(int length) => s_panel is { } p && p.Length >= length ? p : s_panel = new T[length];
        public static T[] Tile(int length) => s_tile is { } p && p.Length >= length ? p : s_tile = new T[length];

        [ThreadStatic] private static T[]? s_padded;

        public static T[] Padded(int length) => s_padded is { } p && p.Length >= length ? p : s_padded = new T[length];
    }
}
