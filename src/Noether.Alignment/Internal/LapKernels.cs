using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Noether.Alignment.Internal;

/// <summary>
/// The SIMD inner loops of the assignment solver over one contiguous row of costs (float or double, widened to
/// double in registers): Vector512 where the hardware has it, else Vector256, then a scalar tail. None allocates.
/// </summary>
internal static class LapKernels
{
    /// <summary>Eight costs from row element <paramref name="k"/> on, widened to double (T is float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Load512<T>(ref T r, int k) where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return Vector512.LoadUnsafe(ref Unsafe.As<T, double>(ref r), (nuint)k);
        var f = Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref r), (nuint)k);
        if (Avx512F.IsSupported) return Avx512F.ConvertToVector512Double(f);
        return Vector512.Create(Vector256.WidenLower(f), Vector256.WidenUpper(f));
    }

    /// <summary>Four costs from row element <paramref name="k"/> on, widened to double (T is float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Load256<T>(ref T r, int k) where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return Vector256.LoadUnsafe(ref Unsafe.As<T, double>(ref r), (nuint)k);
        var f = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r), (nuint)k);
        if (Avx.IsSupported) return Avx.ConvertToVector256Double(f);
        return Vector256.Create(Vector128.WidenLower(f), Vector128.WidenUpper(f));
    }

    /// <summary>One cost widened to double (T is float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Wide<T>(T x) where T : unmanaged
        => typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref x) : Unsafe.As<T, float>(ref x);

    /// <summary>
    /// Column minima of the rows × [from, to) block of a row-major matrix with the given row stride:
    /// <paramref name="min"/>[j] = min_i c[i, j] and <paramref name="arg"/>[j] = the first row attaining it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnMinima<T>(ReadOnlySpan<T> c, int rows, int stride, int from, int to, Span<double> min, Span<long> arg) where T : unmanaged
    {
        min[from..to].Fill(double.PositiveInfinity);
        arg[from..to].Clear();
        ref double mr = ref MemoryMarshal.GetReference(min);
        ref long ar = ref MemoryMarshal.GetReference(arg);
        for (int i = 0; i < rows; i++)
        {
            ref T cr = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), (nint)i * stride);
            int j = from;
            if (Vector512.IsHardwareAccelerated)
            {
                var iv = Vector512.Create((long)i);
                for (; j <= to - 8; j += 8)
                {
                    var x = Load512(ref cr, j);
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
                    var x = Load256(ref cr, j);
                    var m = Vector256.LoadUnsafe(ref mr, (nuint)j);
                    var lt = Vector256.LessThan(x, m);
                    Vector256.ConditionalSelect(lt, x, m).StoreUnsafe(ref mr, (nuint)j);
                    Vector256.ConditionalSelect(lt.AsInt64(), iv, Vector256.LoadUnsafe(ref ar, (nuint)j)).StoreUnsafe(ref ar, (nuint)j);
                }
            }
            for (; j < to; j++)
            {
                double x = Wide(Unsafe.Add(ref cr, j));
                if (x < Unsafe.Add(ref mr, j)) { Unsafe.Add(ref mr, j) = x; Unsafe.Add(ref ar, j) = i; }
            }
        }
    }

    /// <summary>
    /// The smallest and second-smallest reduced cost row[j] − v[j] and where they are (<paramref name="j1"/> ≠
    /// <paramref name="j2"/>; equal values on ties). Needs at least two columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TwoSmallest<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> v, out int j1, out double v1, out int j2, out double v2) where T : unmanaged
    {
        int m = row.Length, k = 0;
        double s1 = double.PositiveInfinity, s2 = double.PositiveInfinity;
        int k1 = -1, k2 = -1;
        ref T rr = ref MemoryMarshal.GetReference(row);
        ref double vr = ref MemoryMarshal.GetReference(v);
        if (Vector512.IsHardwareAccelerated && m >= 8)
        {
            var m1 = Vector512.Create(double.PositiveInfinity); var m2 = m1;
            var i1 = Vector512.Create(-1L); var i2 = i1;
            var idx = Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7); var step = Vector512.Create(8L);
            for (; k <= m - 8; k += 8, idx += step)
            {
                var x = Load512(ref rr, k) - Vector512.LoadUnsafe(ref vr, (nuint)k);
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
                var x = Load256(ref rr, k) - Vector256.LoadUnsafe(ref vr, (nuint)k);
                var lt1 = Vector256.LessThan(x, m1); var lt2 = Vector256.LessThan(x, m2);
                m2 = Vector256.ConditionalSelect(lt1, m1, Vector256.ConditionalSelect(lt2, x, m2));
                i2 = Vector256.ConditionalSelect(lt1.AsInt64(), i1, Vector256.ConditionalSelect(lt2.AsInt64(), idx, i2));
                m1 = Vector256.ConditionalSelect(lt1, x, m1);
                i1 = Vector256.ConditionalSelect(lt1.AsInt64(), idx, i1);
            }
            for (int l = 0; l < 4; l++) { Push(m1[l], (int)i1[l], ref s1, ref k1, ref s2, ref k2); Push(m2[l], (int)i2[l], ref s1, ref k1, ref s2, ref k2); }
        }
        for (; k < m; k++) Push(Wide(Unsafe.Add(ref rr, k)) - Unsafe.Add(ref vr, k), k, ref s1, ref k1, ref s2, ref k2);
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
    public static double Relax<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> w, double h, Span<double> d, Span<long> pred, long i) where T : unmanaged
    {
        int m = row.Length, k = 0;
        ref T rr = ref MemoryMarshal.GetReference(row);
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
                var cand = Load512(ref rr, k) - Vector512.LoadUnsafe(ref wr, (nuint)k) - hv;
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
                var cand = Load256(ref rr, k) - Vector256.LoadUnsafe(ref wr, (nuint)k) - hv;
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
            double cand = Wide(Unsafe.Add(ref rr, k)) - Unsafe.Add(ref wr, k) - h;
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
