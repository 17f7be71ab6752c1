using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>Loss functions returning scalar variables.</summary>
public static class Losses
{
    /// <summary>Mean cross-entropy of logits [N, C] against integer labels.</summary>
    /// <param name="logits">Logits [N, C].</param>
    /// <param name="labels">N labels in [0, C).</param>
    /// <param name="fused">One fused node (<see cref="Ops.SoftmaxCrossEntropy{T}"/>) instead of LogSoftmax → PickColumns →
    /// Mean → Neg: the same value and gradient up to float rounding.</param>
    public static Variable<T> CrossEntropy<T>(Variable<T> logits, int[] labels, bool fused = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.Value.Rank != 2 || logits.Value.Dim(0) != labels.Length)
            throw new ShapeMismatchException("CrossEntropy", "needs logits [N, C] and N labels", logits.Value.ShapeArray(), [labels.Length]);
        int classes = logits.Value.Dim(1);
        foreach (var l in labels) if ((uint)l >= (uint)classes) throw new ArgumentException($"CrossEntropy: label {l} outside [0, {classes})");
        return fused ? Ops.SoftmaxCrossEntropy(logits, labels) : -Ops.Mean(Ops.PickColumns(Ops.LogSoftmax(logits, -1), labels));
    }

    /// <summary>Mean squared error over all elements.</summary>
    public static Variable<T> MeanSquaredError<T>(Variable<T> prediction, Tensor<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(prediction.Value.Shape, target.Shape))
            throw new ShapeMismatchException("MeanSquaredError", "prediction and target shapes differ", prediction.Value.ShapeArray(), target.ShapeArray());
        return Ops.Mean(Ops.Square(prediction - Variable<T>.Constant(target)));
    }
}
