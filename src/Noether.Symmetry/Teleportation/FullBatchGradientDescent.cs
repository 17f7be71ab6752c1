using Noether.Nn;
using Noether.Tensors;

namespace Noether.Symmetry.Teleportation;

/// <summary>A gradient-descent run: the final model and, per epoch, L and ‖∇L‖ before that epoch's step.</summary>
/// <param name="Model">The model after the last step.</param>
/// <param name="Loss">L at the start of every epoch (after the callback, before the step).</param>
/// <param name="GradNorm">‖∇L‖ at the same points.</param>
/// <param name="DivergedAt">The first epoch whose loss or gradient was not finite (it and every later epoch read +∞), or null.</param>
public sealed record GradientDescentRun(Model<double> Model, IReadOnlyList<double> Loss, IReadOnlyList<double> GradNorm, int? DivergedAt = null);

/// <summary>Plain full-batch gradient descent θ ← θ − η∇L, with an optional callback before every step (e.g. a teleport).</summary>
public static class FullBatchGradientDescent
{
    /// <summary>
    /// Runs <paramref name="epochs"/> steps on a copy of <paramref name="model"/>. <paramref name="beforeStep"/> gets the
    /// model and the 0-based epoch and may return a different model (it is copied before being updated). A run that
    /// diverges stops there and records it (<see cref="GradientDescentRun.DivergedAt"/>) rather than throwing.
    /// </summary>
    public static GradientDescentRun Run(Model<double> model, Tensor<double> x, OutputLoss loss, double learningRate, int epochs,
        Func<Model<double>, int, Model<double>>? beforeStep = null, CancellationToken cancel = default)
    {
        if (!(learningRate > 0)) throw new ArgumentException($"gradient descent: the learning rate must be positive, got {learningRate}");
        if (epochs < 0) throw new ArgumentException($"gradient descent: epochs must be ≥ 0, got {epochs}");
        var current = model.Clone();
        var losses = new List<double>(epochs);
        var norms = new List<double>(epochs);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            if (beforeStep is not null)
            {
                var next = beforeStep(current, epoch);
                if (!ReferenceEquals(next, current)) current = next.Clone();
            }
            var at = TeleportObjective.Evaluate(current, x, loss);
            if (!double.IsFinite(at.Loss) || !double.IsFinite(at.GradientNorm))
            {
                for (int e = epoch; e < epochs; e++) { losses.Add(double.PositiveInfinity); norms.Add(double.PositiveInfinity); }
                return new GradientDescentRun(current, losses, norms, epoch);
            }
            losses.Add(at.Loss);
            norms.Add(at.GradientNorm);
            foreach (var (name, g) in at.Gradient) current[name].CopyFrom(current[name] - g * learningRate);
        }
        return new GradientDescentRun(current, losses, norms);
    }
}
