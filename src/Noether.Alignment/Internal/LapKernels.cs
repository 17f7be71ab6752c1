using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Noether.Alignment.Internal;

/// <summary>
/// The SIMD inner loops of the assignment solver over one contiguous row of costs: Vector512 where the hardware
/// has it, else Vector256, then a scalar tail. None allocates.
/// </summary>
internal static class LapKernels
{
    /// <summary>
    /// Column minima of the rows × [from, to) block of a row-major matrix with the given row stride:
    /// <paramref name="min"/>[j] = min_i c[i, j] and <paramref name="arg"/>[j] = the first row attaining it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnMinima(ReadOnlySpan<double> c, int rows, int stride, int from, int to, Span<double> min, Span<long> arg)
    {
        min[from..to].Fill(double.PositiveInfinity);
        arg[from..to].Clear();
        ref double mr = ref MemoryMarshal.GetReference(min);
        ref long ar = ref MemoryMarshal.GetReference(arg);
        for (int i = 0; i < rows; i++)
        {
            ref double cr = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), (nint)i * stride);
            int j = from;
            if (Vector512.IsHardwareAccelerated)
            {
                var iv = Vector512.Create((long)i);
                for (; j <= to - 8; j += 8)
                {
                    var x = Vector512.LoadUnsafe(ref cr, (nuint)j);
                    var m = Vector512.LoadUnsafe(ref mr, (nuint)j);
                    var lt = Vector512.LessThan(x, m);
                    Vector512.ConditionalSelect(lt, x, m).StoreUnsafe(ref mr, (nuint)j);
                    Vector512.ConditionalSelect(lt.AsInt64(), iv, Vector512.LoadUnsafe(ref ar, (nuint)j)).StoreUnsafe(ref ar, (nuint)j);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var iv = Vector256.Create((long)i);
                for (; j <= to - 4; j += 4)
                {
                    var x = Vector256.LoadUnsafe(ref cr, (nuint)j);
                    var m = Vector256.LoadUnsafe(ref mr, (nuint)j);
                    var lt = Vector256.LessThan(x, m);
                    Vector256.ConditionalSelect(lt, x, m).StoreUnsafe(ref mr, (nuint)j);
                    Vector256.ConditionalSelect(lt.AsInt64(), iv, Vector256.LoadUnsafe(ref ar, (nuint)j)).StoreUnsafe(ref ar, (nuint)j);
                }
            }
            for (; j < to; j++)
            {
                double x = Unsafe.Add(ref cr, j);
                if (x < Unsafe.Add(ref mr, j)) { Unsafe.Add(ref mr, j) = x; Unsafe.Add(ref ar, j) = i; }
            }
        }
    }

    /// <summary>
    /// The smallest and second-smallest reduced cost row[j] − v[j] and where they are (<paramref name="j1"/> ≠
    /// <paramref name="j2"/>; equal values on ties). Needs at least two columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TwoSmallest(ReadOnlySpan<double> row, ReadOnlySpan<double> v, out int j1, out double v1, out int j2, out double v2)
    {
        int m = row.Length, k = 0;
        double s1 = double.PositiveInfinity, s2 = double.PositiveInfinity;
        int k1 = -1, k2 = -1;
        ref double rr = ref MemoryMarshal.GetReference(row);
        ref double vr = ref MemoryMarshal.GetReference(v);
        if (Vector512.IsHardwareAccelerated && m >= 8)
        {
            var m1 = Vector512.Create(double.PositiveInfinity); var m2 = m1;
            var i1 = Vector512.Create(-1L); var i2 = i1;
            var idx = Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7); var step = Vector512.Create(8L);
            for (; k <= m - 8; k += 8, idx += step)
            {
                var x = Vector512.LoadUnsafe(ref rr, (nuint)k) - Vector512.LoadUnsafe(ref vr, (nuint)k);
                var lt1 = Vector512.LessThan(x, m1); var lt2 = Vector512.LessThan(x, m2);
                m2 = Vector512.ConditionalSelect(lt1, m1, Vector512.ConditionalSelect(lt2, x, m2));
                i2 = Vector512.ConditionalSelect(lt1.AsInt64(), i1, Vector512.ConditionalSelect(lt2.AsInt64(), idx, i2));
                m1 = Vector512.ConditionalSelect(lt1, x, m1);
                i1 = Vector512.ConditionalSelect(lt1.AsInt64(), idx, i1);
            }
            for (int l = 0; l < 8; l++) { Push(m1[l], (int)i1[l], ref s1, ref k1, ref s2, ref k2); Push(m2[l], (int)i2[l], ref s1, ref k1, ref s2, ref k2); }
        }
        else if (Vector256.IsHardwareAccelerated && m >= 4)
        {
            var m1 = Vector256.Create(double.PositiveInfinity); var m2 = m1;
            var i1 = Vector256.Create(-1L); var i2 = i1;
            var idx = Vector256.Create(0L, 1, 2, 3); var step = Vector256.Create(4L);
            for (; k <= m - 4; k += 4, idx += step)
            {
                var x = Vector256.LoadUnsafe(ref rr, (nuint)k) - Vector256.LoadUnsafe(ref vr, (nuint)k);
                var lt1 = Vector256.LessThan(x, m1); var lt2 = Vector256.LessThan(x, m2);
                m2 = Vector256.ConditionalSelect(lt1, m1, Vector256.ConditionalSelect(lt2, x, m2));
                i2 = Vector256.ConditionalSelect(lt1.AsInt64(), i1, Vector256.ConditionalSelect(lt2.AsInt64(), idx, i2));
                m1 = Vector256.ConditionalSelect(lt1, x, m1);
                i1 = Vector256.ConditionalSelect(lt1.AsInt64(), idx, i1);
            }
            for (int l = 0; l < 4; l++) { Push(m1[l], (int)i1[l], ref s1, ref k1, ref s2, ref k2); Push(m2[l], (int)i2[l], ref s1, ref k1, ref s2, ref k2); }
        }
        for (; k < m; k++) Push(Unsafe.Add(ref rr, k) - Unsafe.Add(ref vr, k), k, ref s1, ref k1, ref s2, ref k2);
        j1 = k1; v1 = s1; j2 = k2; v2 = s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Push(double x, int k, ref double s1, ref int k1, ref double s2, ref int k2)
    {
        if (k < 0) return;
        if (x < s1) { s2 = s1; k2 = k1; s1 = x; k1 = k; }
        else if (x < s2 || k2 < 0) { s2 = x; k2 = k; }
    }

    /// <summary>
    /// One Dijkstra step of the shortest augmenting path: for every column k,
    /// d[k] ← min(d[k], row[k] − w[k] − h), recording <paramref name="i"/> in pred[k] where it improves, and
    /// returns the new minimum of d. Columns already settled carry w[k] = −∞ and d[k] = +∞, so they never change.
    /// Stores only vectors with an improvement (measured faster: most late steps improve few columns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Relax(ReadOnlySpan<double> row, ReadOnlySpan<double> w, double h, Span<double> d, Span<long> pred, long i)
    {
        int m = row.Length, k = 0;
        ref double rr = ref MemoryMarshal.GetReference(row);
        ref double wr = ref MemoryMarshal.GetReference(w);
        ref double dr = ref MemoryMarshal.GetReference(d);
        ref long pr = ref MemoryMarshal.GetReference(pred);
        double min = double.PositiveInfinity;
        if (Vector512.IsHardwareAccelerated && m >= 8)
        {
            var hv = Vector512.Create(h); var iv = Vector512.Create(i);
            var mv = Vector512.Create(double.PositiveInfinity);
            for (; k <= m - 8; k += 8)
            {
                var cand = Vector512.LoadUnsafe(ref rr, (nuint)k) - Vector512.LoadUnsafe(ref wr, (nuint)k) - hv;
                var dv = Vector512.LoadUnsafe(ref dr, (nuint)k);
                var lt = Vector512.LessThan(cand, dv);
                if (lt != Vector512<double>.Zero)
                {
                    dv = Vector512.ConditionalSelect(lt, cand, dv);
                    dv.StoreUnsafe(ref dr, (nuint)k);
                    Vector512.ConditionalSelect(lt.AsInt64(), iv, Vector512.LoadUnsafe(ref pr, (nuint)k)).StoreUnsafe(ref pr, (nuint)k);
                }
                mv = Vector512.MinNative(mv, dv);
            }
            min = HorizontalMin(mv);
        }
        else if (Vector256.IsHardwareAccelerated && m >= 4)
        {
            var hv = Vector256.Create(h); var iv = Vector256.Create(i);
            var mv = Vector256.Create(double.PositiveInfinity);
            for (; k <= m - 4; k += 4)
            {
                var cand = Vector256.LoadUnsafe(ref rr, (nuint)k) - Vector256.LoadUnsafe(ref wr, (nuint)k) - hv;
                var dv = Vector256.LoadUnsafe(ref dr, (nuint)k);
                var lt = Vector256.LessThan(cand, dv);
                if (lt != Vector256<double>.Zero)
                {
                    dv = Vector256.ConditionalSelect(lt, cand, dv);
                    dv.StoreUnsafe(ref dr, (nuint)k);
                    Vector256.ConditionalSelect(lt.AsInt64(), iv, Vector256.LoadUnsafe(ref pr, (nuint)k)).StoreUnsafe(ref pr, (nuint)k);
                }
                mv = Vector256.MinNative(mv, dv);
            }
            min = HorizontalMin(mv);
        }
        for (; k < m; k++)
        {
            double cand = Unsafe.Add(ref rr, k) - Unsafe.Add(ref wr, k) - h;
            ref double dk = ref Unsafe.Add(ref dr, k);
            if (cand < dk) { dk = cand; Unsafe.Add(ref pr, k) = i; }
            if (dk < min) min = dk;
        }
        return min;
    }

    /// <summary>
    /// A column with d[k] = <paramref name="mu"/>, preferring an unassigned one (y[k] &lt; 0) so that ties end the
    /// search at once; −1 if none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int FindAt(ReadOnlySpan<double> d, double mu, ReadOnlySpan<int> y)
    {
        int m = d.Length, k = 0, first = -1;
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated)
        {
            var muv = Vector512.Create(mu);
            for (; k <= m - 8; k += 8)
            {
                ulong bits = Vector512.Equals(Vector512.LoadUnsafe(ref dr, (nuint)k), muv).ExtractMostSignificantBits();
                for (; bits != 0; bits &= bits - 1)
                {
                    int j = k + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    if (y[j] < 0) return j;
                    if (first < 0) first = j;
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var muv = Vector256.Create(mu);
            for (; k <= m - 4; k += 4)
            {
                uint bits = Vector256.Equals(Vector256.LoadUnsafe(ref dr, (nuint)k), muv).ExtractMostSignificantBits();
                for (; bits != 0; bits &= bits - 1)
                {
                    int j = k + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    if (y[j] < 0) return j;
                    if (first < 0) first = j;
                }
            }
        }
        for (; k < m; k++)
        {
            if (Unsafe.Add(ref dr, k) != mu) continue;
            if (y[k] < 0) return k;
            if (first < 0) first = k;
        }
        return first;
    }

    private static double HorizontalMin(Vector512<double> v) => HorizontalMin(Vector256.MinNative(v.GetLower(), v.GetUpper()));

    private static double HorizontalMin(Vector256<double> v)
    {
        var h = Vector128.MinNative(v.GetLower(), v.GetUpper());
        return Math.Min(h.GetElement(0), h.GetElement(1));
    }
}
