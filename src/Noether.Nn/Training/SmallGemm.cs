using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Noether.Nn.Training;

/// <summary>
/// C = A·B for the small products of <see cref="ModelBatch{T}"/> (tens to hundreds per side), without the packing
/// of the general GEMM: each row of C is built in SIMD registers as Σ_p A[i, p]·B[p, :], B and C row-major.
/// Every element is summed exactly as <see cref="Noether.Tensors.Kernels.Gemm"/> sums it, so the results are
/// bit-identical: below its small-product threshold a multiply-then-add chain in k order, above it a fused
/// multiply-add chain in k order per block of 256, each block's sum added to C.
/// </summary>
internal static class SmallGemm
{
    private const int Kc = 256;                    // Gemm's k-block
    private const long SmallThreshold = 24L * 24 * 24; // Gemm's naive-product threshold

    /// <summary>C[i, j] = Σ_p A[i·rsA + p·csA]·B[p·n + j] for i &lt; m, j &lt; n, p &lt; k; C is [m, n] row-major.</summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b.Length < k * n || c.Length < m * n || (m > 0 && k > 0 && a.Length <= (m - 1) * rsA + (k - 1) * csA))
            throw new ArgumentException($"SmallGemm: operands too short for [{m}, {k}]·[{k}, {n}]");
        if (k == 0) { c[..(m * n)].Clear(); return; }
        bool fused = (long)m * n * k >= SmallThreshold && Vector256.IsHardwareAccelerated;
        // The first k-block stores 0 + its sum (as Gemm's zeroed C plus the block would); later blocks add to C.
        for (int p0 = 0; p0 < k; p0 += fused ? Kc : k)
        {
            int p1 = fused ? Math.Min(k, p0 + Kc) : k;
            bool first = p0 == 0;
            if (fused) Rows<T, Fused>(m, n, p0, p1, first, a, rsA, csA, b, c);
            else Rows<T, Separate>(m, n, p0, p1, first, a, rsA, csA, b, c);
        }
    }

    private interface IStep
    {
        static abstract Vector512<T> Step<T>(Vector512<T> s, Vector512<T> b, Vector512<T> acc) where T : unmanaged, IFloatingPointIeee754<T>;
        static abstract Vector256<T> Step<T>(Vector256<T> s, Vector256<T> b, Vector256<T> acc) where T : unmanaged, IFloatingPointIeee754<T>;
        static abstract T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct Separate : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Step<T>(Vector512<T> s, Vector512<T> b, Vector512<T> acc) where T : unmanaged, IFloatingPointIeee754<T> => acc + s * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Step<T>(Vector256<T> s, Vector256<T> b, Vector256<T> acc) where T : unmanaged, IFloatingPointIeee754<T> => acc + s * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T> => acc + s * b;
    }

    private readonly struct Fused : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Step<T>(Vector512<T> s, Vector512<T> b, Vector512<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(s.As<T, float>(), b.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(s.As<T, double>(), b.As<T, double>(), acc.As<T, double>()).As<double, T>();
            return acc + s * b;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Step<T>(Vector256<T> s, Vector256<T> b, Vector256<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(s.As<T, float>(), b.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(s.As<T, double>(), b.As<T, double>(), acc.As<T, double>()).As<double, T>();
            return acc + s * b;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(s, b, acc);
    }

    /// <summary>
    /// C[i, :] (+)= Σ_{p0 ≤ p &lt; p1} A[i, p]·B[p, :], the sum built from zero in registers: 512-bit vectors where
    /// the hardware has them, then 256-bit, then one scalar chain per column (every lane the same chain).
    /// </summary>
    private static void Rows<T, TStep>(int m, int n, int p0, int p1, bool first, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : struct, IStep
    {
        int w = Vector512<T>.Count, v = Vector256<T>.Count;
        bool wide = Vector512.IsHardwareAccelerated;
        ref T pa = ref MemoryMarshal.GetReference(a);
        ref T pb = ref MemoryMarshal.GetReference(b);
        ref T pc = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i++)
        {
            ref T row = ref Unsafe.Add(ref pc, i * n);
            ref T ai = ref Unsafe.Add(ref pa, i * rsA);
            int j = 0;
            if (wide)
            {
                for (; j <= n - 2 * w; j += 2 * w)
                {
                    Vector512<T> c0 = default, c1 = default;
                    for (int p = p0; p < p1; p++)
                    {
                        var s = Vector512.Create(Unsafe.Add(ref ai, p * csA));
                        ref T bp = ref Unsafe.Add(ref pb, p * n + j);
                        c0 = TStep.Step(s, Vector512.LoadUnsafe(ref bp), c0);
                        c1 = TStep.Step(s, Vector512.LoadUnsafe(ref bp, (nuint)w), c1);
                    }
                    Store(first, c0, ref row, j);
                    Store(first, c1, ref row, j + w);
                }
                for (; j <= n - w; j += w)
                {
                    Vector512<T> c0 = default;
                    for (int p = p0; p < p1; p++) c0 = TStep.Step(Vector512.Create(Unsafe.Add(ref ai, p * csA)), Vector512.LoadUnsafe(ref pb, (nuint)(p * n + j)), c0);
                    Store(first, c0, ref row, j);
                }
            }
            for (; j <= n - v; j += v)
            {
                Vector256<T> c0 = default;
                for (int p = p0; p < p1; p++) c0 = TStep.Step(Vector256.Create(Unsafe.Add(ref ai, p * csA)), Vector256.LoadUnsafe(ref pb, (nuint)(p * n + j)), c0);
                if (first) (Vector256<T>.Zero + c0).StoreUnsafe(ref row, (nuint)j);
                else (Vector256.LoadUnsafe(ref row, (nuint)j) + c0).StoreUnsafe(ref row, (nuint)j);
            }
            // The last columns, one scalar chain each: the same rounding as a vector lane's.
            for (; j < n; j++)
            {
                T t = T.Zero;
                for (int p = p0; p < p1; p++) t = TStep.Step(Unsafe.Add(ref ai, p * csA), Unsafe.Add(ref pb, p * n + j), t);
                Unsafe.Add(ref row, j) = first ? T.Zero + t : Unsafe.Add(ref row, j) + t;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(bool first, Vector512<T> sum, ref T row, int j) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (first) (Vector512<T>.Zero + sum).StoreUnsafe(ref row, (nuint)j);
        else (Vector512.LoadUnsafe(ref row, (nuint)j) + sum).StoreUnsafe(ref row, (nuint)j);
    }
}
