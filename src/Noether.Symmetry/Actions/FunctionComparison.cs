using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Symmetry.Actions;

/// <summary>How far two models' outputs are apart on the same inputs.</summary>
/// <param name="MaxAbsDiff">max over outputs and elements of |a − b|.</param>
/// <param name="MaxRelDiff">max over outputs of max|a − b| / max|a| (norm-wise relative difference).</param>
/// <param name="Outputs">Number of graph outputs compared.</param>
/// <param name="Elements">Number of output values compared.</param>
public sealed record FunctionComparison(double MaxAbsDiff, double MaxRelDiff, int Outputs, int Elements)
{
    /// <summary>True when the relative difference is within <paramref name="tolerance"/>.</summary>
    public bool Within(double tolerance) => MaxRelDiff <= tolerance;

    /// <summary>Runs both models (evaluation mode) on the inputs and compares every output.</summary>
    public static FunctionComparison Of<T>(Model<T> a, Model<T> b, params Tensor<T>[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
        => Of(a, b, inputs, CancellationToken.None);

    /// <summary>As <see cref="Of{T}(Model{T}, Model{T}, Tensor{T}[])"/>, stopping between nodes when <paramref name="cancel"/> is signalled.</summary>
    public static FunctionComparison Of<T>(Model<T> a, Model<T> b, IReadOnlyList<Tensor<T>> inputs, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Compare(a.Predict(inputs, cancel), b.Predict(inputs, cancel));
    }

    /// <summary>Compares two lists of outputs computed on the same inputs (by any engine), output by output.</summary>
    public static FunctionComparison Compare<T>(IReadOnlyList<Tensor<T>> ya, IReadOnlyList<Tensor<T>> yb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ya.Count != yb.Count) throw new ArgumentException($"The models have {ya.Count} and {yb.Count} outputs");
        double abs = 0, rel = 0; int elements = 0;
        for (int i = 0; i < ya.Count; i++)
        {
            if (!Shapes.Equal(ya[i].Shape, yb[i].Shape))
                throw new ShapeMismatchException("FunctionComparison", $"output {i} differs in shape", ya[i].ShapeArray(), yb[i].ShapeArray());
            double d = double.CreateTruncating(ya[i].MaxAbsDiff(yb[i]));
            double scale = double.CreateTruncating(ya[i].Abs().Max());
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            abs = Math.Max(abs, d);
            rel = Math.Max(rel, d / Math.Max(scale, double.Epsilon));
            elements += ya[i].Length;
        }
        return new FunctionComparison(abs, rel, ya.Count, elements);
    }
}
