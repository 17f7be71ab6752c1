using Noether.Nn;
using Noether.Tensors;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// Symmetry teleportation (Zhao et al., NeurIPS 2022, arXiv:2205.10637): moves a model along the orbit of the GL(k)
/// action on its teleportable pairs (<see cref="TeleportPairFinder"/>, <see cref="TeleportAction"/>) to a point of
/// larger ‖∇L‖ with the same loss on the batch, by gradient ascent on ‖∇L(g·θ)‖² over g = I + T
/// (<see cref="TeleportObjective"/>). Training then continues from the teleported point.
/// </summary>
public static class Teleporter
{
    /// <summary>
    /// Teleports <paramref name="model"/> on batch <paramref name="x"/>. Each step computes the ascent direction at
    /// g = I, moves by T = η·∂‖∇L‖²/∂T, and re-anchors; a step that would change the loss by more than
    /// <see cref="TeleportOptions.LossTolerance"/> (relative to the start) or lower ‖∇L‖ is halved.
    /// Throws when the graph has no teleportable pair or the batch is too large for the construction to be exact.
    /// </summary>
    public static TeleportResult Teleport(Model<double> model, Tensor<double> x, OutputLoss loss, TeleportOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new TeleportOptions();
        options.Validate();
        var search = TeleportPairFinder.Find(model.Graph);
        if (search.Pairs.Count == 0)
            throw new ArgumentException($"teleport: model '{model.Graph.Name}' has no teleportable pair (Linear → invertible activation → Linear){(search.Rejected.Count > 0 ? ": " + search.Rejected[0] : "")}");
        var start = TeleportObjective.Evaluate(model, x, loss);
        if (!double.IsFinite(start.Loss) || !double.IsFinite(start.GradientNorm))
            throw new ArgumentException($"teleport: the loss of model '{model.Graph.Name}' on x {Shapes.Format(x.Shape)} is {start.Loss} with ‖∇L‖ = {start.GradientNorm}; nothing to teleport");
        double gradNorm = start.GradientNorm;
        var current = model;
        double descentGain = DescentGain(model, start, x, loss, options.DescentLearningRate);
        var steps = new List<TeleportStep>();
        for (int step = 1; step <= options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var action = TeleportAction.Create(current, x, search.Pairs);
            var zeros = search.Pairs.Select(p => Tensor<double>.Zeros(p.Width, p.Width)).ToArray();
            var (direction, _) = TeleportObjective.Gradient(action, x, loss, zeros, options.FiniteDifferenceStep);
            double eta = options.StepSize;
            TeleportStep? accepted = null;
            for (int halving = 0; halving <= options.MaxHalvings && accepted is null; halving++, eta /= 2)
            {
                var candidate = TryStep(action, direction, eta, x, loss);
                if (candidate is not { } c) continue;
                if (Math.Abs(c.At.Loss - start.Loss) > options.LossTolerance * Math.Abs(start.Loss) || c.At.GradientNorm < gradNorm) continue;
                double gain = DescentGain(c.Model, c.At, x, loss, options.DescentLearningRate);
                if (gain < descentGain) continue;
                descentGain = gain;
                current = c.Model;
                gradNorm = c.At.GradientNorm;
                accepted = new TeleportStep(step, c.At.Loss, gradNorm, eta);
            }
            if (accepted is null) break;
            steps.Add(accepted.Value);
        }
        double lossAfter = steps.Count > 0 ? steps[^1].Loss : start.Loss;
        return new TeleportResult(current, start.Loss, lossAfter, start.GradientNorm, gradNorm, search.Pairs, steps);
    }

    /// <summary>
    /// A training callback: given the model before step <c>s</c> (0-based), returns it teleported when <c>s</c> is in
    /// <paramref name="atSteps"/> and unchanged otherwise; <paramref name="onTeleport"/> sees every result.
    /// </summary>
    public static Func<Model<double>, int, Model<double>> AtSteps(Tensor<double> x, OutputLoss loss, IEnumerable<int> atSteps,
        TeleportOptions? options = null, Action<int, TeleportResult>? onTeleport = null)
    {
        var when = atSteps.ToHashSet();
        return (model, step) =>
        {
            if (!when.Contains(step)) return model;
            var result = Teleport(model, x, loss, options);
            onTeleport?.Invoke(step, result);
            return result.Model;
        };
    }

    /// <summary>L(θ) − L(θ − η∇L) for the descent learning rate η, or 0 without one.</summary>
    private static double DescentGain(Model<double> model, LossGradient at, Tensor<double> x, OutputLoss loss, double? learningRate)
    {
        if (learningRate is not { } lr) return 0;
        var stepped = model.WithParameters(at.Gradient.ToDictionary(kv => kv.Key, kv => (model[kv.Key] - kv.Value * lr).Contiguous()));
        using var _ = Noether.Tensors.Autodiff.GradMode.NoGrad();
        double after = loss(Executor.Forward(stepped, [x], training: false).Outputs).Value.ToScalar();
        return double.IsFinite(after) ? at.Loss - after : double.NegativeInfinity;
    }

    private static (Model<double> Model, LossGradient At)? TryStep(TeleportAction action, IReadOnlyList<Tensor<double>> direction, double eta, Tensor<double> x, OutputLoss loss)
    {
        try
        {
            var moved = action.Apply(direction.Select(d => d * eta).ToArray());
            var at = TeleportObjective.Evaluate(moved, x, loss);
            return double.IsFinite(at.Loss) && double.IsFinite(at.GradientNorm) ? (moved, at) : null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ArithmeticException)
        {
            return null; // g = I + ηT singular or the loss not finite: halve the step
        }
    }
}
