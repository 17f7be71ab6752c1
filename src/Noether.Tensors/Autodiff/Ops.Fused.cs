using System.Numerics;
using System.Runtime.Intrinsics;
using Noether.Tensors.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Tensors.Autodiff;

/// <summary>Activations that <see cref="Ops.Linear{T}"/> can fuse into its bias pass.</summary>
public enum FusedActivation
{
    /// <summary>No activation: y = x·Wᵀ + b.</summary>
    None,
    /// <summary>y = max(x·Wᵀ + b, 0).</summary>
    Relu,
}

public static partial class Ops
{
    /// <summary>
    /// y = act(x·Wᵀ + b) for x [N, In], W [Out, In], b [Out] or null, in one node: the GEMM reads W through its
    /// strides (no transposed copy), bias and activation are one pass over y, and the backward pass computes
    /// dW = gᵀ·x straight into W's layout, dx = g·W and db = column sums of g (g masked by y &gt; 0 for ReLU).
    /// </summary>
    public static Variable<T> Linear<T>(Variable<T> x, Variable<T> weight, Variable<T>? bias, FusedActivation activation = FusedActivation.None)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xv = x.Value; var wv = weight.Value;
        if (xv.Rank != 2 || wv.Rank != 2 || xv.Dim(1) != wv.Dim(1))
            throw new ShapeMismatchException("Linear", "needs x [N, In] and weight [Out, In]", xv.ShapeArray(), wv.ShapeArray());
        int n = xv.Dim(0), inF = xv.Dim(1), outF = wv.Dim(0);
        if (bias is not null && (bias.Value.Rank != 1 || bias.Value.Dim(0) != outF))
            throw new ShapeMismatchException("Linear", $"bias must be [{outF}]", bias.Value.ShapeArray(), wv.ShapeArray());
        var y = xv.MatMul(wv.Transpose());
        var ys = y.Span;
        if (bias is not null) AddRows(ys, bias.Value.Contiguous().Span, n, outF);
        if (activation == FusedActivation.Relu) SimdKernels.Relu<T>(ys, ys);
        Variable<T>[] parents = bias is null ? [x, weight] : [x, weight, bias];
        return Make(y, activation == FusedActivation.Relu ? "LinearRelu" : "Linear", parents, g =>
        {
            var gy = g.Contiguous();
            if (activation == FusedActivation.Relu)
            {
                var masked = Tensor<T>.Uninitialized(n, outF);
                ReluMask(gy.Span, y.Span, masked.Span);
                gy = masked;
            }
            var gx = x.RequiresGrad ? gy.MatMul(wv) : null;
            var gw = weight.RequiresGrad ? gy.Transpose().MatMul(xv) : null;
            Tensor<T>? gb = null;
            if (bias is not null && bias.RequiresGrad)
            {
                gb = new Tensor<T>(outF);
                SumRows(gy.Span, gb.Span, n, outF);
            }
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>
    /// Mean cross-entropy −(1/N)·Σᵢ log softmax(zᵢ)[labelᵢ] of logits [N, C] in one node; its gradient is
    /// (softmax(z) − onehot(label))/N, computed from the softmax kept by the forward pass.
    /// </summary>
    public static Variable<T> SoftmaxCrossEntropy<T>(Variable<T> logits, int[] labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = logits.Value;
        if (z.Rank != 2 || z.Dim(0) != labels.Length)
            throw new ShapeMismatchException("SoftmaxCrossEntropy", "needs logits [N, C] and N labels", z.ShapeArray(), [labels.Length]);
        int n = z.Dim(0), c = z.Dim(1);
        foreach (var l in labels) if ((uint)l >= (uint)c) throw new ArgumentException($"SoftmaxCrossEntropy: label {l} outside [0, {c})");
        var zs = z.Contiguous();
        var p = Tensor<T>.Uninitialized(n, c);
        var src = zs.Span; var ps = p.Span;
        T total = T.Zero;
        for (int i = 0; i < n; i++)
        {
            var row = src.Slice(i * c, c); var prow = ps.Slice(i * c, c);
            T max = TP.Max(row);
            TP.Subtract(row, max, prow);
            TP.Exp(prow, prow);
            T sum = TP.Sum(prow);
            total += T.Log(sum) - (row[labels[i]] - max); // −log softmax at the label
            TP.Divide(prow, sum, prow);
        }
        T count = T.CreateChecked(n);
        var loss = Tensor<T>.Scalar(total / count);
        return Make(loss, "SoftmaxCrossEntropy", [logits], g =>
        {
            T scale = g.ToScalar() / count;
            var gz = Tensor<T>.Uninitialized(n, c); var gs = gz.Span;
            TP.Multiply(p.Span, scale, gs);
            for (int i = 0; i < n; i++) gs[i * c + labels[i]] -= scale;
            return [gz];
        });
    }

    /// <summary>y[i, :] += b for every row i.</summary>
    private static void AddRows<T>(Span<T> y, ReadOnlySpan<T> b, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++) { var r = y.Slice(i * cols, cols); TP.Add(r, b, r); }
    }

    /// <summary>s[j] = Σᵢ g[i, j].</summary>
    private static void SumRows<T>(ReadOnlySpan<T> g, Span<T> s, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        s.Clear();
        for (int i = 0; i < rows; i++) TP.Add(s, g.Slice(i * cols, cols), s);
    }

    /// <summary>dst = y &gt; 0 ? g : 0 (the ReLU derivative read from its output).</summary>
    internal static void ReluMask<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, len = g.Length, w = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= len - w; i += w)
            {
                var yv = Vector256.Create(y.Slice(i, w));
                var gv = Vector256.Create(g.Slice(i, w));
                Vector256.ConditionalSelect(
                    Vector256.GreaterThan(yv, Vector256<T>.Zero), gv,
                    Vector256<T>.Zero).CopyTo(dst.Slice(i, w));
            }
        for (; i < len; i++) dst[i] = y[i] > T.Zero ? g[i] : T.Zero;
    }
}
