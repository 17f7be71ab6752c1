using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Symmetry.Teleportation;

/// <summary>The regression losses of the teleportation experiments.</summary>
public enum RegressionLoss
{
    /// <summary>½‖Y − f(X)‖²_F, the loss of Zhao et al.'s multi-layer regression (their learning rates assume it).</summary>
    HalfSumOfSquares,
    /// <summary>Mean of the squared errors over all elements.</summary>
    MeanSquaredError,
}

/// <summary>Builds <see cref="OutputLoss"/> delegates for a fixed target.</summary>
public static class RegressionLosses
{
    /// <summary>The loss of the first output against <paramref name="target"/> [batch, outputs].</summary>
    public static OutputLoss Create(RegressionLoss kind, Tensor<double> target) => kind switch
    {
        RegressionLoss.HalfSumOfSquares => outputs => HalfSumOfSquares(outputs[0], target),
        RegressionLoss.MeanSquaredError => outputs => Losses.MeanSquaredError(outputs[0], target),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown regression loss"),
    };

    /// <summary>½‖target − prediction‖²_F.</summary>
    public static Variable<double> HalfSumOfSquares(Variable<double> prediction, Tensor<double> target)
    {
        if (!Shapes.Equal(prediction.Value.Shape, target.Shape))
            throw new ShapeMismatchException("HalfSumOfSquares", "prediction and target shapes differ", prediction.Value.ShapeArray(), target.ShapeArray());
        return Ops.Scale(Ops.Sum(Ops.Square(prediction - Variable<double>.Constant(target))), 0.5);
    }

    /// <summary>Parses <c>half-sse</c> or <c>mse</c>.</summary>
    public static RegressionLoss Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "half-sse" or "sse" => RegressionLoss.HalfSumOfSquares,
        "mse" => RegressionLoss.MeanSquaredError,
        _ => throw new ArgumentException($"Unknown regression loss '{name}' (half-sse, mse)"),
    };
}
