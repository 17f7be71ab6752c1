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

    /// <summary>
    /// C[i, j] = Σ_p A[i·rsA + p·csA]·B[p·n + j] for i &lt; m, j &lt; n, p &lt; k; C is [m, n] row-major. With a
    /// <paramref name="bias"/> of n elements, C[i, j] = (Σ_p …) + bias[j]: the product rounded first, then the sum,
    /// as a separate bias addition would give.
    /// </summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c,
        ReadOnlySpan<T> bias = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b.Length < k * n || c.Length < m * n || (m > 0 && k > 0 && a.Length <= (m - 1) * rsA + (k - 1) * csA)
            || (!bias.IsEmpty && bias.Length < n))
            throw new ArgumentException($"SmallGemm: operands too short for [{m}, {k}]·[{k}, {n}]");
        if (k == 0) { c[..(m * n)].Clear(); AddBias(m, n, bias, c); return; }
        bool fused = (long)m * n * k >= SmallThreshold && Vector256.IsHardwareAccelerated;
        // The first k-block stores 0 + its sum (as Gemm's zeroed C plus the block would); later blocks add to C.
        for (int p0 = 0; p0 < k; p0 += fused ? Kc : k)
        {
            int p1 = fused ? Math.Min(k, p0 + Kc) : k;
            bool first = p0 == 0;
            if (fused) Rows<T, Fused>(m, n, p0, p1, first, a, rsA, csA, b, c);
            else Rows<T, Separate>(m, n, p0, p1, first, a, rsA, csA, b, c);
        }
        AddBias(m, n, bias, c);
    }

    /// <summary>C[i, :] += bias for every row (nothing when <paramref name="bias"/> is empty).</summary>
    private static void AddBias<T>(int m, int n, ReadOnlySpan<T> bias, Span<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias.IsEmpty) return;
        bias = bias[..n];
        for (int i = 0; i < m; i++) System.Numerics.Tensors.TensorPrimitives.Add(c.Slice(i * n, n), bias, c.Slice(i * n, n));
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
    /// the hardware has them, then 256-bit, then one scalar chain per column (every lane the same chain). Rows go
    /// four at a time so that independent chains hide the multiply-add latency; each element's chain is unchanged.
    /// </summary>
    private static void Rows<T, TStep>(int m, int n, int p0, int p1, bool first, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : struct, IStep
    {
        ref T pa = ref MemoryMarshal.GetReference(a);
        ref T pb = ref MemoryMarshal.GetReference(b);
        ref T pc = ref MemoryMarshal.GetReference(c);
        int i = 0;
        for (; i <= m - 4; i += 4) FourRows<T, TStep>(n, p0, p1, first, ref Unsafe.Add(ref pa, i * rsA), rsA, csA, ref pb, ref Unsafe.Add(ref pc, i * n));
        for (; i < m; i++) OneRow<T, TStep>(n, p0, p1, first, ref Unsafe.Add(ref pa, i * rsA), csA, ref pb, ref Unsafe.Add(ref pc, i * n));
    }

    private static void FourRows<T, TStep>(int n, int p0, int p1, bool first, ref T a0, int rsA, int csA, ref T pb, ref T c0)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : struct, IStep
    {
        int w = Vector512<T>.Count, v = Vector256<T>.Count;
        ref T a1 = ref Unsafe.Add(ref a0, rsA);
        ref T a2 = ref Unsafe.Add(ref a0, 2 * rsA);
        ref T a3 = ref Unsafe.Add(ref a0, 3 * rsA);
        ref T c1 = ref Unsafe.Add(ref c0, n);
        ref T c2 = ref Unsafe.Add(ref c0, 2 * n);
        ref T c3 = ref Unsafe.Add(ref c0, 3 * n);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 2 * w; j += 2 * w)
            {
                Vector512<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
                for (int p = p0; p < p1; p++)
                {
                    ref T bp = ref Unsafe.Add(ref pb, p * n + j);
                    var b0 = Vector512.LoadUnsafe(ref bp);
                    var b1 = Vector512.LoadUnsafe(ref bp, (nuint)w);
                    int q = p * csA;
                    var x = Vector512.Create(Unsafe.Add(ref a0, q)); s00 = TStep.Step(x, b0, s00); s01 = TStep.Step(x, b1, s01);
                    x = Vector512.Create(Unsafe.Add(ref a1, q)); s10 = TStep.Step(x, b0, s10); s11 = TStep.Step(x, b1, s11);
                    x = Vector512.Create(Unsafe.Add(ref a2, q)); s20 = TStep.Step(x, b0, s20); s21 = TStep.Step(x, b1, s21);
                    x = Vector512.Create(Unsafe.Add(ref a3, q)); s30 = TStep.Step(x, b0, s30); s31 = TStep.Step(x, b1, s31);
                }
                Store(first, s00, ref c0, j); Store(first, s01, ref c0, j + w);
                Store(first, s10, ref c1, j); Store(first, s11, ref c1, j + w);
                Store(first, s20, ref c2, j); Store(first, s21, ref c2, j + w);
                Store(first, s30, ref c3, j); Store(first, s31, ref c3, j + w);
            }
            for (; j <= n - w; j += w)
            {
                Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int p = p0; p < p1; p++)
                {
                    var b0 = Vector512.LoadUnsafe(ref pb, (nuint)(p * n + j));
                    int q = p * csA;
                    s0 = TStep.Step(Vector512.Create(Unsafe.Add(ref a0, q)), b0, s0);
                    s1 = TStep.Step(Vector512.Create(Unsafe.Add(ref a1, q)), b0, s1);
                    s2 = TStep.Step(Vector512.Create(Unsafe.Add(ref a2, q)), b0, s2);
                    s3 = TStep.Step(Vector512.Create(Unsafe.Add(ref a3, q)), b0, s3);
                }
                Store(first, s0, ref c0, j); Store(first, s1, ref c1, j); Store(first, s2, ref c2, j); Store(first, s3, ref c3, j);
            }
        }
        for (; j <= n - v; j += v)
        {
            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int p = p0; p < p1; p++)
            {
                var b0 = Vector256.LoadUnsafe(ref pb, (nuint)(p * n + j));
                int q = p * csA;
                s0 = TStep.Step(Vector256.Create(Unsafe.Add(ref a0, q)), b0, s0);
                s1 = TStep.Step(Vector256.Create(Unsafe.Add(ref a1, q)), b0, s1);
                s2 = TStep.Step(Vector256.Create(Unsafe.Add(ref a2, q)), b0, s2);
                s3 = TStep.Step(Vector256.Create(Unsafe.Add(ref a3, q)), b0, s3);
            }
            Store(first, s0, ref c0, j); Store(first, s1, ref c1, j); Store(first, s2, ref c2, j); Store(first, s3, ref c3, j);
        }
        // The last columns, one scalar chain per element: the same rounding as a vector lane's.
        for (; j < n; j++)
        {
            T t0 = T.Zero, t1 = T.Zero, t2 = T.Zero, t3 = T.Zero;
            for (int p = p0; p < p1; p++)
            {
                T bv = Unsafe.Add(ref pb, p * n + j);
                int q = p * csA;
                t0 = TStep.Step(Unsafe.Add(ref a0, q), bv, t0);
                t1 = TStep.Step(Unsafe.Add(ref a1, q), bv, t1);
                t2 = TStep.Step(Unsafe.Add(ref a2, q), bv, t2);
                t3 = TStep.Step(Unsafe.Add(ref a3, q), bv, t3);
            }
            Store(first, t0, ref c0, j); Store(first, t1, ref c1, j); Store(first, t2, ref c2, j); Store(first, t3, ref c3, j);
        }
    }

    private static void OneRow<T, TStep>(int n, int p0, int p1, bool first, ref T ai, int csA, ref T pb, ref T row)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : struct, IStep
    {
        int w = Vector512<T>.Count, v = Vector256<T>.Count;
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 2 * w; j += 2 * w)
            {
                Vector512<T> s0 = default, s1 = default;
                for (int p = p0; p < p1; p++)
                {
                    var x = Vector512.Create(Unsafe.Add(ref ai, p * csA));
                    ref T bp = ref Unsafe.Add(ref pb, p * n + j);
                    s0 = TStep.Step(x, Vector512.LoadUnsafe(ref bp), s0);
                    s1 = TStep.Step(x, Vector512.LoadUnsafe(ref bp, (nuint)w), s1);
                }
                Store(first, s0, ref row, j);
                Store(first, s1, ref row, j + w);
            }
            for (; j <= n - w; j += w)
            {
                Vector512<T> s0 = default;
                for (int p = p0; p < p1; p++) s0 = TStep.Step(Vector512.Create(Unsafe.Add(ref ai, p * csA)), Vector512.LoadUnsafe(ref pb, (nuint)(p * n + j)), s0);
                Store(first, s0, ref row, j);
            }
        }
        for (; j <= n - v; j += v)
        {
            Vector256<T> s0 = default;
            for (int p = p0; p < p1; p++) s0 = TStep.Step(Vector256.Create(Unsafe.Add(ref ai, p * csA)), Vector256.LoadUnsafe(ref pb, (nuint)(p * n + j)), s0);
            Store(first, s0, ref row, j);
        }
        for (; j < n; j++)
        {
            T t = T.Zero;
            for (int p = p0; p < p1; p++) t = TStep.Step(Unsafe.Add(ref ai, p * csA), Unsafe.Add(ref pb, p * n + j), t);
            Store(first, t, ref row, j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(bool first, Vector512<T> sum, ref T row, int j) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (first) (Vector512<T>.Zero + sum).StoreUnsafe(ref row, (nuint)j);
        else (Vector512.LoadUnsafe(ref row, (nuint)j) + sum).StoreUnsafe(ref row, (nuint)j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(bool first, Vector256<T> sum, ref T row, int j) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (first) (Vector256<T>.Zero + sum).StoreUnsafe(ref row, (nuint)j);
        else (Vector256.LoadUnsafe(ref row, (nuint)j) + sum).StoreUnsafe(ref row, (nuint)j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(bool first, T sum, ref T row, int j) where T : unmanaged, IFloatingPointIeee754<T>
        => Unsafe.Add(ref row, j) = first ? T.Zero + sum : Unsafe.Add(ref row, j) + sum;
}
