using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Training-mode batch normalisation of x [N, C] or [N, C, H, W] over every axis but the channel axis, as one
    /// node: y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), μ and σ² the batch mean and (biased) variance per channel.
    /// Returns y with μ and σ² (for the running statistics). The backward pass is the closed form
    /// dx = γ/(√(σ² + ε)·M)·(M·g − Σg − x̂·Σ(g·x̂)), dγ = Σ g·x̂, dβ = Σ g (sums per channel over M = N·H·W elements).
    /// </summary>
    public static (Variable<T> Output, Tensor<T> Mean, Tensor<T> Variance) BatchNorm<T>(Variable<T> x, Variable<T> gamma, Variable<T> beta, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xv = x.Value;
        if ((xv.Rank != 2 && xv.Rank != 4) || gamma.Value.Rank != 1 || beta.Value.Rank != 1 || gamma.Value.Dim(0) != xv.Dim(1) || beta.Value.Dim(0) != xv.Dim(1))
            throw new ShapeMismatchException("BatchNorm", "needs x [N, C] or [N, C, H, W] and γ, β [C]", xv.ShapeArray(), gamma.Value.ShapeArray());
        int n = xv.Dim(0), c = xv.Dim(1), hw = xv.Length / Math.Max(1, n * c);
        T m = T.CreateChecked(n * hw);
        var xs = xv.Contiguous(); var src = xs.Span;
        var mean = new Tensor<T>(c); var variance = new Tensor<T>(c); var invStd = new T[c];
        var xhat = Tensor<T>.Uninitialized(xv.ShapeArray()); var y = Tensor<T>.Uninitialized(xv.ShapeArray());
        var g = gamma.Value.Contiguous().Span; var b = beta.Value.Contiguous().Span;
        var hs = xhat.Span; var ys = y.Span;
        T e = T.CreateChecked(eps);
        for (int ch = 0; ch < c; ch++)
        {
            T sum = T.Zero;
            for (int i = 0; i < n; i++) sum += Sum(src.Slice((i * c + ch) * hw, hw));
            T mu = sum / m, sq = T.Zero;
            for (int i = 0; i < n; i++)
            {
                var row = src.Slice((i * c + ch) * hw, hw);
                var h = hs.Slice((i * c + ch) * hw, hw);
                TP.Subtract(row, mu, h);
                sq += TP.Dot(h, h);
            }
            T v = sq / m, inv = T.One / T.Sqrt(v + e);
            mean.Span[ch] = mu; variance.Span[ch] = v; invStd[ch] = inv;
            for (int i = 0; i < n; i++)
            {
                var h = hs.Slice((i * c + ch) * hw, hw);
                TP.Multiply(h, inv, h);
                var yrow = ys.Slice((i * c + ch) * hw, hw);
                TP.Multiply(h, g[ch], yrow);
                TP.Add(yrow, b[ch], yrow);
            }
        }
        var output = Make(y, "BatchNorm", [x, gamma, beta], gy =>
        {
            var gs = gy.Contiguous().Span; var gc = gamma.Value.Contiguous().Span;
            var dgamma = new Tensor<T>(c); var dbeta = new Tensor<T>(c);
            var dx = x.RequiresGrad ? Tensor<T>.Uninitialized(xv.ShapeArray()) : null;
            var h = xhat.Span;
            for (int ch = 0; ch < c; ch++)
            {
                T sg = T.Zero, sgh = T.Zero;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * c + ch) * hw;
                    sg += Sum(gs.Slice(off, hw));
                    sgh += TP.Dot(gs.Slice(off, hw), h.Slice(off, hw));
                }
                dgamma.Span[ch] = sgh; dbeta.Span[ch] = sg;
                if (dx is null) continue;
                T k = gc[ch] * invStd[ch] / m, meanG = sg, meanGh = sgh;
                var ds = dx.Span;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * c + ch) * hw;
                    var d = ds.Slice(off, hw);
                    // d = k·(M·g − Σg − x̂·Σ(g·x̂))
                    TP.Multiply(h.Slice(off, hw), -meanGh, d);
                    TP.MultiplyAdd(gs.Slice(off, hw), m, d, d);
                    TP.Add(d, -meanG, d);
                    TP.Multiply(d, k, d);
                }
            }
            return [dx, gamma.RequiresGrad ? dgamma : null, beta.RequiresGrad ? dbeta : null];
        });
        return (output, mean, variance);
    }

    private static T Sum<T>(ReadOnlySpan<T> s) where T : unmanaged, IFloatingPointIeee754<T> => s.Length == 1 ? s[0] : TP.Sum(s);
}
