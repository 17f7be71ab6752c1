using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Noether.Nn.Training;

/// <summary>
/// C = A·B for the small products of <see cref="ModelBatch{T}"/> (tens to hundreds per side), without the packing
/// of the general GEMM: each row of C is built in SIMD registers as Σ_p A[i, p]·B[p, :], B and C row-major.
/// </summary>
internal static class SmallGemm
{
    /// <summary>C[i, j] = Σ_p A[i·rsA + p·csA]·B[p·n + j] for i &lt; m, j &lt; n, p &lt; k; C is [m, n] row-major.</summary>
    public static void Multiply<T>(int m, int n, int k, ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b.Length < k * n || c.Length < m * n || (m > 0 && k > 0 && a.Length <= (m - 1) * rsA + (k - 1) * csA))
            throw new ArgumentException($"SmallGemm: operands too short for [{m}, {k}]·[{k}, {n}]");
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
                for (int p = 0; p < k; p++)
                {
                    var s = new Vector<T>(a[i * rsA + p * csA]);
                    ref T bp = ref Unsafe.Add(ref pb, p * n + j);
                    c0 += s * Vector.LoadUnsafe(ref bp);
                    c1 += s * Vector.LoadUnsafe(ref bp, (nuint)v);
                    c2 += s * Vector.LoadUnsafe(ref bp, (nuint)(2 * v));
                    c3 += s * Vector.LoadUnsafe(ref bp, (nuint)(3 * v));
                }
                c0.StoreUnsafe(ref row, (nuint)j); c1.StoreUnsafe(ref row, (nuint)(j + v));
                c2.StoreUnsafe(ref row, (nuint)(j + 2 * v)); c3.StoreUnsafe(ref row, (nuint)(j + 3 * v));
            }
            for (; j <= n - v; j += v)
            {
                Vector<T> c0 = default;
                for (int p = 0; p < k; p++) c0 += new Vector<T>(a[i * rsA + p * csA]) * Vector.LoadUnsafe(ref pb, (nuint)(p * n + j));
                c0.StoreUnsafe(ref row, (nuint)j);
            }
            for (; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++) s += a[i * rsA + p * csA] * Unsafe.Add(ref pb, p * n + j);
                Unsafe.Add(ref row, j) = s;
            }
        }
    }
}
