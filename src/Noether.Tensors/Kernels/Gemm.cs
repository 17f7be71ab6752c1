using System.Numerics;
using System.Runtime.Intrinsics;

namespace Noether.Tensors.Kernels;

/// <summary>
/// General matrix multiply C = A·B (or C += A·B) over strided operands, so transposed and sliced views multiply
/// without copies. Blocked and packed in the BLIS style: B blocks (KC×NC) and A blocks (MC×KC) are packed into
/// micro-panels and a register-blocked micro-kernel (AVX-512: 12×2 vectors; AVX2: 6×2 vectors) updates C.
/// Large products split C between threads; each thread packs its own panels.
/// </summary>
public static unsafe class Gemm
{
    private const int Kc = 256;
    private const int Mc = 192;
    private const int Nc = 3072;
    private const long ParallelThreshold = 96L * 96 * 96;
    private const long SmallThreshold = 24L * 24 * 24;

    [ThreadStatic] private static byte[]? s_packA;
    [ThreadStatic] private static byte[]? s_packB;

    /// <summary>
    /// C[i, j] (+)= Σ_k A[i, k]·B[k, j], where A[i, k] = a[i·rsA + k·csA], B[k, j] = b[k·rsB + j·csB], C[i, j] = c[i·ldc + j].
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="a">A's elements.</param>
    /// <param name="rsA">A's row stride.</param>
    /// <param name="csA">A's column stride.</param>
    /// <param name="b">B's elements.</param>
    /// <param name="rsB">B's row stride.</param>
    /// <param name="csB">B's column stride.</param>
    /// <param name="c">C's elements (row-major with row stride <paramref name="ldc"/>).</param>
    /// <param name="ldc">C's row stride.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <param name="maxThreads">Upper bound on threads; 0 uses <see cref="Parallelism.MaxThreads"/>.</param>
    public static void Multiply<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int rsA, int csA,
        ReadOnlySpan<T> b, int rsB, int csB,
        Span<T> c, int ldc, bool accumulate = false, int maxThreads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"Gemm: negative size m={m} n={n} k={k}");
        CheckExtent("A", a.Length, m, k, rsA, csA);
        CheckExtent("B", b.Length, k, n, rsB, csB);
        CheckExtent("C", c.Length, m, n, ldc, 1);
        if (m == 0 || n == 0) return;
        if (!accumulate)
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k == 0) return;

        fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
        {
            var job = new Job<T>(pa, rsA, csA, pb, rsB, csB, pc, ldc, k);
            long work = (long)m * n * k;
            if (work < SmallThreshold) { Naive(job, 0, m, 0, n); return; }
            int threads = maxThreads <= 0 ? Parallelism.MaxThreads : Math.Min(maxThreads, Environment.ProcessorCount);
            int nr = NrOf<T>();
            if (threads <= 1 || work < ParallelThreshold) { Blocked(job, 0, m, 0, n); return; }
            // Split the larger of m and n into equal parts aligned to the micro-tile.
            bool splitN = n >= m;
            int extent = splitN ? n : m, align = splitN ? nr : MrOf();
            int parts = Math.Min(threads, Math.Max(1, extent / align));
            int chunk = ((extent + parts - 1) / parts + align - 1) / align * align;
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
            {
                int lo = p * chunk, hi = Math.Min(extent, lo + chunk);
                if (lo >= hi) return;
                if (splitN) Blocked(job, 0, m, lo, hi); else Blocked(job, lo, hi, 0, n);
            });
        }
    }

    private static void CheckExtent(string name, int length, int rows, int cols, int rs, int cs)
    {
        if (rs < 0 || cs < 0) throw new ArgumentOutOfRangeException(name, $"Gemm: {name} has negative strides ({rs}, {cs})");
        if (rows == 0 || cols == 0) return;
        long last = (long)(rows - 1) * rs + (long)(cols - 1) * cs;
        if (last >= length)
            throw new ShapeMismatchException("Gemm", $"operand {name} of {rows}x{cols} with strides ({rs}, {cs}) reaches element {last} but has only {length}", new[] { rows, cols }, new[] { length });
    }

    private readonly struct Job<T>(T* a, int rsA, int csA, T* b, int rsB, int csB, T* c, int ldc, int k) where T : unmanaged
    {
        public readonly T* A = a, B = b, C = c;
        public readonly int RsA = rsA, CsA = csA, RsB = rsB, CsB = csB, Ldc = ldc, K = k;
    }

    private static int MrOf() => Vector512.IsHardwareAccelerated ? GemmMicroKernels.Mr512 : GemmMicroKernels.Mr256;

    private static int NrOf<T>() where T : unmanaged =>
        Vector512.IsHardwareAccelerated ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    private static void Naive<T>(in Job<T> j, int i0, int i1, int j0, int j1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = i0; i < i1; i++)
        {
            T* crow = j.C + (nint)i * j.Ldc;
            for (int p = 0; p < j.K; p++)
            {
                T av = j.A[(nint)i * j.RsA + (nint)p * j.CsA];
                T* brow = j.B + (nint)p * j.RsB;
                for (int q = j0; q < j1; q++) crow[q] += av * brow[(nint)q * j.CsB];
            }
        }
    }

    private static T* Buffer<T>(ref byte[]? cache, int elements) where T : unmanaged
    {
        int bytes = elements * sizeof(T) + 64;
        if (cache is null || cache.Length < bytes) cache = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        fixed (byte* p = cache) return (T*)(((nint)p + 63) & ~(nint)63);
    }

    private static void Blocked<T>(in Job<T> j, int i0, int i1, int j0, int j1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector256.IsHardwareAccelerated) { Naive(j, i0, i1, j0, j1); return; }
        bool v512 = Vector512.IsHardwareAccelerated;
        int mr = MrOf(), nr = NrOf<T>();
        int mcMax = Mc / mr * mr;
        T* packA = Buffer<T>(ref s_packA, mcMax * Kc);
        T* packB = Buffer<T>(ref s_packB, Nc * Kc);
        T* edge = stackalloc T[GemmMicroKernels.Mr512 * 2 * 64 / sizeof(T) + 16];
        for (int jc = j0; jc < j1; jc += Nc)
        {
            int nc = Math.Min(Nc, j1 - jc);
            for (int pc = 0; pc < j.K; pc += Kc)
            {
                int kc = Math.Min(Kc, j.K - pc);
                PackB(j, pc, kc, jc, nc, nr, packB);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    PackA(j, ic, mc, pc, kc, mr, packA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nn = Math.Min(nr, nc - jr);
                        T* pb = packB + (nint)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mm = Math.Min(mr, mc - ir);
                            T* pa = packA + (nint)ir * kc;
                            T* cTile = j.C + (nint)(ic + ir) * j.Ldc + jc + jr;
                            if (mm == mr && nn == nr)
                            {
                                if (v512) GemmMicroKernels.Kernel512(kc, pa, pb, cTile, j.Ldc);
                                else GemmMicroKernels.Kernel256(kc, pa, pb, cTile, j.Ldc);
                                continue;
                            }
                            new Span<T>(edge, mr * nr).Clear();
                            if (v512) GemmMicroKernels.Kernel512(kc, pa, pb, edge, nr);
                            else GemmMicroKernels.Kernel256(kc, pa, pb, edge, nr);
                            for (int r = 0; r < mm; r++)
                                for (int q = 0; q < nn; q++)
                                    cTile[(nint)r * j.Ldc + q] += edge[r * nr + q];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs B[pc:pc+kc, jc:jc+nc] into panels of nr columns, k-major inside a panel, zero-padded.</summary>
    private static void PackB<T>(in Job<T> j, int pc, int kc, int jc, int nc, int nr, T* dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int q0 = 0; q0 < nc; q0 += nr)
        {
            int cols = Math.Min(nr, nc - q0);
            T* panel = dst + (nint)q0 * kc;
            if (j.CsB == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* src = j.B + (nint)(pc + p) * j.RsB + jc + q0;
                    T* d = panel + (nint)p * nr;
                    new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(d, cols));
                    if (cols < nr) new Span<T>(d + cols, nr - cols).Clear();
                }
            }
            else
            {
                if (cols < nr) new Span<T>(panel, kc * nr).Clear();
                for (int q = 0; q < cols; q++)
                {
                    T* src = j.B + (nint)(jc + q0 + q) * j.CsB + (nint)pc * j.RsB;
                    for (int p = 0; p < kc; p++) panel[(nint)p * nr + q] = src[(nint)p * j.RsB];
                }
            }
        }
    }

    /// <summary>Packs A[ic:ic+mc, pc:pc+kc] into panels of mr rows, k-major inside a panel, zero-padded.</summary>
    private static void PackA<T>(in Job<T> j, int ic, int mc, int pc, int kc, int mr, T* dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int rows = Math.Min(mr, mc - r0);
            T* panel = dst + (nint)r0 * kc;
            if (rows < mr) new Span<T>(panel, kc * mr).Clear();
            if (j.CsA == 1 || j.RsA != 1)
            {
                for (int r = 0; r < rows; r++)
                {
                    T* src = j.A + (nint)(ic + r0 + r) * j.RsA + (nint)pc * j.CsA;
                    for (int p = 0; p < kc; p++) panel[(nint)p * mr + r] = src[(nint)p * j.CsA];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* src = j.A + (nint)(pc + p) * j.CsA + ic + r0;
                    new ReadOnlySpan<T>(src, rows).CopyTo(new Span<T>(panel + (nint)p * mr, rows));
                }
            }
        }
    }
}
