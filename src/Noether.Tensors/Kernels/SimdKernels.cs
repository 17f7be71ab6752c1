using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Noether.Tensors.Kernels;

/// <summary>
/// Hand-written SIMD kernels for operations TensorPrimitives lacks. Each runs Vector512 where the hardware
/// accelerates it, Vector256 otherwise, then a scalar tail. All spans must have equal length (checked).
/// </summary>
public static class SimdKernels
{
    /// <summary>dst = max(a + b, 0) in one pass.</summary>
    public static void AddRelu<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(a.Length, dst.Length, nameof(AddRelu));
        CheckLengths(b.Length, dst.Length, nameof(AddRelu));
        ref T pa = ref MemoryMarshal.GetReference(a);
        ref T pb = ref MemoryMarshal.GetReference(b);
        ref T pd = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = dst.Length;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Vector512.Max(Vector512.LoadUnsafe(ref pa, (nuint)i) + Vector512.LoadUnsafe(ref pb, (nuint)i), Vector512<T>.Zero).StoreUnsafe(ref pd, (nuint)i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Max(Vector256.LoadUnsafe(ref pa, (nuint)i) + Vector256.LoadUnsafe(ref pb, (nuint)i), Vector256<T>.Zero).StoreUnsafe(ref pd, (nuint)i);
        for (; i < n; i++) { T s = a[i] + b[i]; dst[i] = s > T.Zero ? s : T.Zero; }
    }

    /// <summary>dst = max(x, 0).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
        => LeakyRelu(x, T.Zero, dst);

    /// <summary>dst = x &gt; 0 ? x : alpha·x.</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, T alpha, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, dst.Length, nameof(LeakyRelu));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T pd = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = x.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref px, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<T>.Zero), v, v * a).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref px, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<T>.Zero), v, v * a).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref px, i);
            Unsafe.Add(ref pd, i) = v > T.Zero ? v : alpha * v;
        }
    }

    /// <summary>dst = x &gt; 0 ? g : alpha·g (the LeakyReLU/ReLU backward rule).</summary>
    public static void LeakyReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, T alpha, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, g.Length, nameof(LeakyReluBackward));
        CheckLengths(x.Length, dst.Length, nameof(LeakyReluBackward));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T pg = ref MemoryMarshal.GetReference(g);
        ref T pd = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = x.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref px, (nuint)i);
                var gv = Vector512.LoadUnsafe(ref pg, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<T>.Zero), gv, gv * a).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref px, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref pg, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<T>.Zero), gv, gv * a).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref px, i);
            T gv = Unsafe.Add(ref pg, i);
            Unsafe.Add(ref pd, i) = v > T.Zero ? gv : alpha * gv;
        }
    }

    /// <summary>y += a·x (axpy).</summary>
    public static void Axpy<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length, nameof(Axpy));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T py = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var av = Vector512.Create(a);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Simd.Fma(av, Vector512.LoadUnsafe(ref px, (nuint)i), Vector512.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var av = Vector256.Create(a);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Simd.Fma(av, Vector256.LoadUnsafe(ref px, (nuint)i), Vector256.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref py, i) = T.FusedMultiplyAdd(a, Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
    }

    private static void CheckLengths(int a, int b, string op)
    {
        if (a != b) throw new ShapeMismatchException(op, "span lengths differ", new[] { a }, new[] { b });
    }
}
