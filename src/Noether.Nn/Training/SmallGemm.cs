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
        c[..(m * n)].Clear();
        bool fused = (long)m * n * k >= SmallThreshold && Vector256.IsHardwareAccelerated;
        for (int p0 = 0; p0 < k; p0 += fused ? Kc : k)
        {
            int p1 = fused ? Math.Min(k, p0 + Kc) : k;
            if (fused) Rows<T, Fused>(m, n, p0, p1, a, rsA, csA, b, c);
            else Rows<T, Separate>(m, n, p0, p1, a, rsA, csA, b, c);
        }
    }

    private interface IStep
    {
        static abstract Vector<T> Step<T>(Vector<T> s, Vector<T> b, Vector<T> acc) where T : unmanaged, IFloatingPointIeee754<T>;
        static abstract T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct Separate : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> Step<T>(Vector<T> s, Vector<T> b, Vector<T> acc) where T : unmanaged, IFloatingPointIeee754<T> => acc + s * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T> => acc + s * b;
    }

    private readonly struct Fused : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> Step<T>(Vector<T> s, Vector<T> b, Vector<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(s.As<T, float>(), b.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(s.As<T, double>(), b.As<T, double>(), acc.As<T, double>()).As<double, T>();
            return acc + s * b;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Step<T>(T s, T b, T acc) where T : unmanaged, IFloatingPointIeee754<T> => T.FusedMultiplyAdd(s, b, acc);
    }

    /// <summary>C[i, :] += Σ_{p0 ≤ p &lt; p1} A[i, p]·B[p, :], the sum built from zero in registers.</summary>
    private static void Rows<T, TStep>(int m, int n, int p0, int p1, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TStep : struct, IStep
    {
        int v = Vector<T>.Count;
        ref T pb = ref MemoryMarshal.GetReference(b);
        ref T pc = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i++)
        {
            ref T row = ref Unsafe.Add(ref pc, i * n);
            int j = 0;
            for (; j <= n - 4 * v; j += 4 * v)
            {
                Vector<T> c0 = default, c1 = default, c2 = default, c3 = default;
                for (int p = p0; p < p1; p++)
                {
                    var s = new Vector<T>(a[i * rsA + p * csA]);
                    ref T bp = ref Unsafe.Add(ref pb, p * n + j);
                    c0 = TStep.Step(s, Vector.LoadUnsafe(ref bp), c0);
                    c1 = TStep.Step(s, Vector.LoadUnsafe(ref bp, (nuint)v), c1);
                    c2 = TStep.Step(s, Vector.LoadUnsafe(ref bp, (nuint)(2 * v)), c2);
                    c3 = TStep.Step(s, Vector.LoadUnsafe(ref bp, (nuint)(3 * v)), c3);
                }
                (Vector.LoadUnsafe(ref row, (nuint)j) + c0).StoreUnsafe(ref row, (nuint)j);
                (Vector.LoadUnsafe(ref row, (nuint)(j + v)) + c1).StoreUnsafe(ref row, (nuint)(j + v));
                (Vector.LoadUnsafe(ref row, (nuint)(j + 2 * v)) + c2).StoreUnsafe(ref row, (nuint)(j + 2 * v));
                (Vector.LoadUnsafe(ref row, (nuint)(j + 3 * v)) + c3).StoreUnsafe(ref row, (nuint)(j + 3 * v));
            }
            for (; j <= n - v; j += v)
            {
                Vector<T> c0 = default;
                for (int p = p0; p < p1; p++) c0 = TStep.Step(new Vector<T>(a[i * rsA + p * csA]), Vector.LoadUnsafe(ref pb, (nuint)(p * n + j)), c0);
                (Vector.LoadUnsafe(ref row, (nuint)j) + c0).StoreUnsafe(ref row, (nuint)j);
            }
            // The last columns, one scalar chain each: the same rounding as a vector lane's.
            for (; j < n; j++)
            {
                T t = T.Zero;
                for (int p = p0; p < p1; p++) t = TStep.Step(a[i * rsA + p * csA], Unsafe.Add(ref pb, p * n + j), t);
                Unsafe.Add(ref row, j) += t;
            }
        }
    }
}
