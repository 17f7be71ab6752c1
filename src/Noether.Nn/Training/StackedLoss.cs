using System.Numerics;

namespace Noether.Nn.Training;

/// <summary>Mean softmax cross-entropy of one model's logits, with the gradient the autodiff of <see cref="Losses.CrossEntropy{T}"/> gives.</summary>
internal static class StackedLoss
{
    /// <summary>
    /// The loss of logits [rows, classes] against labels, and its gradient with respect to the logits written to
    /// <paramref name="grad"/>, computed as the sequential trainer's autodiff does: log-softmax z − (max + log Σ e^(z − max)),
    /// then g_j = −[j = y]/N − e^(log-softmax_j)·(−1/N).
    /// </summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> grad, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = labels.Length;
        T minusInv = -(T.One / T.CreateChecked(Math.Max(1, rows)));
        T picked = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classes, classes);
            var g = grad.Slice(r * classes, classes);
            T max = z[0];
            for (int j = 1; j < classes; j++) if (z[j] > max) max = z[j];
            if (!T.IsFinite(max)) max = T.Zero;
            T sum = T.Zero;
            for (int j = 0; j < classes; j++) sum += T.Exp(z[j] - max);
            T lse = T.Log(sum) + max;
            int y = labels[r];
            if ((uint)y >= (uint)classes) throw new ArgumentException($"CrossEntropy: label {y} outside [0, {classes})");
            for (int j = 0; j < classes; j++)
            {
                T ls = z[j] - lse;
                T gj = j == y ? minusInv : T.Zero;
                g[j] = gj - T.Exp(ls) * minusInv;
                if (j == y) picked += ls;
            }
        }
        return picked * minusInv;
    }
}
