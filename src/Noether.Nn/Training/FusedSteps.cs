using System.Numerics;
using System.Runtime.Intrinsics;

namespace Noether.Nn.Training;

/// <summary>
/// Fused optimizer updates: one pass over parameter, gradient and state, in place, SIMD with a scalar tail.
/// Results equal the unfused sequence of TensorPrimitives calls (same operations in the same order per element).
/// </summary>
public static class FusedSteps
{
    /// <summary>p −= lr·(g + wd·p).</summary>
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, T lr, T wd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(p.Length, g.Length, p.Length, nameof(Sgd));
        int i = 0, n = p.Length, w = Vector256<T>.Count;
        bool decay = wd != T.Zero; // no decay leaves g untouched (0·∞ would be NaN)
        if (Vector256.IsHardwareAccelerated)
        {
            var vlr = Vector256.Create(lr); var vwd = Vector256.Create(wd);
            for (; i <= n - w; i += w)
            {
                var pv = Vector256.Create(p.Slice(i, w));
                var d = decay ? Vector256.Create(g.Slice(i, w)) + vwd * pv : Vector256.Create(g.Slice(i, w));
                (pv - vlr * d).CopyTo(p.Slice(i, w));
            }
        }
        for (; i < n; i++) p[i] -= lr * (decay ? g[i] + wd * p[i] : g[i]);
    }

    /// <summary>
    /// PyTorch's SGD with momentum: d = g + wd·p; v = first ? d : μ·v + d; p −= lr·(nesterov ? d + μ·v : v).
    /// </summary>
    public static void SgdMomentum<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> v, T lr, T wd, T mu, bool nesterov, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(p.Length, g.Length, v.Length, nameof(SgdMomentum));
        int i = 0, n = p.Length, w = Vector256<T>.Count;
        bool decay = wd != T.Zero; // no decay leaves g untouched (0·∞ would be NaN)
        if (Vector256.IsHardwareAccelerated)
        {
            var vlr = Vector256.Create(lr); var vwd = Vector256.Create(wd); var vmu = Vector256.Create(mu);
            for (; i <= n - w; i += w)
            {
                var pv = Vector256.Create(p.Slice(i, w));
                var d = decay ? Vector256.Create(g.Slice(i, w)) + vwd * pv : Vector256.Create(g.Slice(i, w));
                var vv = first ? d : vmu * Vector256.Create(v.Slice(i, w)) + d;
                vv.CopyTo(v.Slice(i, w));
                var step = nesterov ? d + vmu * vv : vv;
                (pv - vlr * step).CopyTo(p.Slice(i, w));
            }
        }
        for (; i < n; i++)
        {
            T d = decay ? g[i] + wd * p[i] : g[i];
            T vi = first ? d : mu * v[i] + d;
            v[i] = vi;
            p[i] -= lr * (nesterov ? d + mu * vi : vi);
        }
    }

    private static void Check(int p, int g, int v, string name)
    {
        if (p != g || p != v) throw new ArgumentException($"{name}: parameter, gradient and state lengths differ ({p}, {g}, {v})");
    }
}
