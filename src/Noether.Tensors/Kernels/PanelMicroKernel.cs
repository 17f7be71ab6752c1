using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Noether.Tensors.Kernels;

/// <summary>
/// The AVX-512 micro-kernel of <see cref="PanelConvolution"/>: 8 rows × 2 vectors, so output-channel counts that are
/// multiples of 8 (16, 32, 64 in ResNets) fill every row of every tile (the 12-row GEMM kernel leaves a third of
/// the last tile empty at 16 channels). 16 accumulators keep both FMA ports busy.
/// </summary>
internal static unsafe class PanelMicroKernel
{
    /// <summary>Rows per tile.</summary>
    public const int Mr = 8;

    /// <summary>
    /// C[8 × 2W] = act(bias + A_panel[8 × kc] · B_panel[kc × 2W]) (k-major panels), W = Vector512&lt;T&gt;.Count: the
    /// accumulators start from the rows' biases (zero when <paramref name="bias"/> is null) and ReLU is applied in
    /// registers, so a full tile goes straight to the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel<T>(int kc, T* pa, T* pb, T* c, nint ldc, T* bias, bool relu) where T : unmanaged, INumber<T>
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        if (bias is not null)
        {
            c00 = Vector512.Create(bias[0]); c10 = Vector512.Create(bias[1]); c20 = Vector512.Create(bias[2]); c30 = Vector512.Create(bias[3]);
            c40 = Vector512.Create(bias[4]); c50 = Vector512.Create(bias[5]); c60 = Vector512.Create(bias[6]); c70 = Vector512.Create(bias[7]);
        }
        Vector512<T> c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50, c61 = c60, c71 = c70;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(pb); var b1 = Vector512.Load(pb + w);
            Vector512<T> a;
            a = Vector512.Create(pa[0]); c00 = Simd.Fma(a, b0, c00); c01 = Simd.Fma(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Simd.Fma(a, b0, c10); c11 = Simd.Fma(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Simd.Fma(a, b0, c20); c21 = Simd.Fma(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Simd.Fma(a, b0, c30); c31 = Simd.Fma(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Simd.Fma(a, b0, c40); c41 = Simd.Fma(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Simd.Fma(a, b0, c50); c51 = Simd.Fma(a, b1, c51);
            a = Vector512.Create(pa[6]); c60 = Simd.Fma(a, b0, c60); c61 = Simd.Fma(a, b1, c61);
            a = Vector512.Create(pa[7]); c70 = Simd.Fma(a, b0, c70); c71 = Simd.Fma(a, b1, c71);
            pa += 8; pb += 2 * w;
        }
        Store(c, c00, c01, w, relu); c += ldc; Store(c, c10, c11, w, relu); c += ldc; Store(c, c20, c21, w, relu); c += ldc; Store(c, c30, c31, w, relu); c += ldc;
        Store(c, c40, c41, w, relu); c += ldc; Store(c, c50, c51, w, relu); c += ldc; Store(c, c60, c61, w, relu); c += ldc; Store(c, c70, c71, w, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(T* c, Vector512<T> v0, Vector512<T> v1, int w, bool relu) where T : unmanaged, INumber<T>
    {
        if (relu) { v0 = Vector512.Max(v0, Vector512<T>.Zero); v1 = Vector512.Max(v1, Vector512<T>.Zero); }
        v0.Store(c); v1.Store(c + w); // written, not accumulated: no clearing pass
    }
}
