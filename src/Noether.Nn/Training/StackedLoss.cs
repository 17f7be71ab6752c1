using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Nn.Training;

/// <summary>Mean softmax cross-entropy of one model's logits, with the gradient the autodiff of <see cref="Losses.CrossEntropy{T}"/> gives.</summary>
internal static class StackedLoss
{
    /// <summary>
    /// The loss of logits [rows, classes] against labels, and its gradient with respect to the logits written to
    /// <paramref name="grad"/>, with the kernels and operation order of the sequential trainer's autodiff (vectorised
    /// exponentials and sums): log-softmax ls = z − (log Σ e^(z − max) + max), loss −Σ ls[y]/N,
    /// g_j = −[j = y]/N − e^(ls_j)·(−1/N). Adam divides by √v, so even gradients near zero must round alike.
    /// </summary>
    /// <param name="scratch">Work space of at least 3 × rows elements (its contents are overwritten).</param>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> grad, int classes, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = labels.Length;
        T minusInv = -(T.One / T.CreateChecked(Math.Max(1, rows)));
        var block = grad[..(rows * classes)];
        Span<T> max = scratch[..rows], lse = scratch.Slice(rows, rows), picked = scratch.Slice(2 * rows, rows);
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classes, classes);
            T m = TP.Max(z);
            max[r] = T.IsFinite(m) ? m : T.Zero;
            TP.Subtract(z, max[r], block.Slice(r * classes, classes));
        }
        TP.Exp<T>(block, block);
        for (int r = 0; r < rows; r++) lse[r] = TP.Sum<T>(block.Slice(r * classes, classes));
        TP.Log<T>(lse, lse);
        TP.Add<T>(lse, max, lse);
        for (int r = 0; r < rows; r++)
        {
            int y = labels[r];
            if ((uint)y >= (uint)classes) throw new ArgumentException($"CrossEntropy: label {y} outside [0, {classes})");
            var ls = block.Slice(r * classes, classes);
            TP.Subtract(logits.Slice(r * classes, classes), lse[r], ls);
            picked[r] = ls[y];
        }
        T loss = -(TP.Sum<T>(picked) * -minusInv);
        TP.Exp<T>(block, block);
        TP.Multiply(block, minusInv, block);
        TP.Negate<T>(block, block);                                  // 0 − e^ls·(−1/N)
        for (int r = 0; r < rows; r++) block[r * classes + labels[r]] += minusInv;  // −1/N − e^ls·(−1/N) at the label
        return loss;
    }
}
