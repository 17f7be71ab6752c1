using System.Numerics;
using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Training;

namespace Noether.Symmetry.Conservation;

/// <summary>What a monitored run measured; partial when it was cancelled or stopped by a non-finite loss.</summary>
/// <param name="Laws">The monitored quantities.</param>
/// <param name="Monitor">The record (quantities per step, losses, times).</param>
/// <param name="Steps">Optimisation steps (or accepted integrator steps) taken.</param>
/// <param name="Cancelled">The run was stopped early by the caller.</param>
/// <param name="ClosedFormErrors">Per family, deviation from the exact SGD closed form (SGD runs only).</param>
/// <param name="InitialLoss">Loss on the whole training set before the run.</param>
/// <param name="FinalLoss">Loss on the whole training set after it.</param>
public sealed record ConservationReport(ConservedQuantities Laws, ConservationMonitor Monitor, long Steps, bool Cancelled, IReadOnlyList<double>? ClosedFormErrors,
    double InitialLoss, double FinalLoss)
{
    /// <summary>Drift per family (empty when the model has no conserved quantity).</summary>
    public IReadOnlyList<FamilyDrift> Drifts => Monitor.Records == 0 ? []
        : Monitor.Drifts().Select(d => d with { InitialLoss = InitialLoss, FinalLoss = FinalLoss }).ToArray();

    /// <summary>What the monitor's time axis measures.</summary>
    public string TimeLabel { get; init; } = "step";

    /// <summary>Drift per kind of law: the worst family of each kind.</summary>
    public IReadOnlyList<FamilyDrift> DriftsByKind => Drifts.GroupBy(d => d.Kind).Select(g => new FamilyDrift(LawFamily.KindLabel(g.Key), g.Key, g.Sum(d => d.Count),
        g.Max(d => d.MaxAbsDrift), g.Max(d => d.MaxRelDrift), g.First().InitialLoss, g.First().FinalLoss, g.All(d => d.Exact))).ToArray();
}

/// <summary>Trains a model while recording every conserved quantity (the library call behind <c>noether conserve</c>).</summary>
public static class ConservationRun
{
    /// <summary>
    /// Trains with <paramref name="optimizer"/> for <paramref name="options"/>' steps, observing the laws before the
    /// first step and after every step. Cancellation ends the run early and returns what was measured.
    /// </summary>
    /// <param name="model">The model (trained in place).</param>
    /// <param name="data">Training data.</param>
    /// <param name="laws">The quantities to monitor (from <see cref="ConservationLaws.Derive(Graph, ConservationOptions?)"/>).</param>
    /// <param name="optimizer">The optimiser.</param>
    /// <param name="options">Steps, batch size, learning rate (constant), seed, frozen parameters.</param>
    /// <param name="sgd">Momentum and weight decay when <paramref name="optimizer"/> is plain SGD, to check the closed form.</param>
    /// <param name="progress">Per-step progress.</param>
    /// <param name="cancel">Stops the run; the report is then marked cancelled.</param>
    public static ConservationReport Train<T>(Model<T> model, Dataset data, ConservedQuantities laws, Optimizer<T> optimizer, TrainOptions options,
        (double Momentum, double WeightDecay)? sgd = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var monitor = new ConservationMonitor(laws);
        double initialLoss = Trainer.Evaluate(model, data, cancel: cancel).Loss;
        monitor.Observe(model.Parameters, 0, initialLoss);
        long steps = 0;
        bool cancelled = false;
        try
        {
            Trainer.Fit(model, data, null, optimizer, options with { EvaluateEachEpoch = false }, progress, cancel, s =>
            {
                steps = s.Step;
                monitor.Observe(s.Model.Parameters, s.Step, s.Loss, s.LearningRate);
            });
        }
        catch (OperationCanceledException) { cancelled = true; }
        var closed = sgd is { } c && monitor.Records > 1 ? monitor.ClosedFormError(c.Momentum, c.WeightDecay) : null;
        double finalLoss = Trainer.Evaluate(model, data).Loss;
        return new ConservationReport(laws, monitor, steps, cancelled, closed, initialLoss, finalLoss);
    }

    /// <summary>
    /// Integrates the gradient flow θ̇ = −∇L of the full-batch cross-entropy on <paramref name="data"/> for
    /// <paramref name="duration"/> (adaptive RK45), observing the laws at every accepted step; along the exact flow
    /// every law is constant, so the recorded drift measures the integrator's error. Updates <paramref name="model"/>.
    /// </summary>
    /// <param name="model">The model (float64; BatchNorm uses the statistics of the whole batch).</param>
    /// <param name="data">Training data, used as one batch.</param>
    /// <param name="laws">The quantities to monitor.</param>
    /// <param name="duration">Flow time T (GD with step η covers η per step).</param>
    /// <param name="ode">Error control; <see cref="GradientFlow.DefaultOptions"/> when null.</param>
    /// <param name="frozen">Parameters that do not flow.</param>
    /// <param name="progress">Fraction of <paramref name="duration"/> reached.</param>
    /// <param name="cancel">Stops the run; the report is then marked cancelled.</param>
    public static ConservationReport Flow(Model<double> model, Dataset data, ConservedQuantities laws, double duration, OdeOptions? ode = null,
        IReadOnlySet<string>? frozen = null, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        if (!(duration > 0) || !double.IsFinite(duration)) throw new ArgumentException($"The flow's duration must be positive and finite, got {duration}");
        var (x, y) = data.Batch<double>(Enumerable.Range(0, data.Count).ToArray());
        Func<Model<double>, Noether.Tensors.Autodiff.Variable<double>> loss = m => Losses.CrossEntropy(Executor.Forward(m, [x], training: true).Outputs[0], y);
        var monitor = new ConservationMonitor(laws);
        var layout = ParameterVector.For(model, name => frozen?.Contains(name) != true);
        bool cancelled = false;
        int accepted = 0;
        try
        {
            GradientFlow.Run(model, loss, duration, ode ?? GradientFlow.DefaultOptions with { MaxSteps = 1_000_000 }, step =>
            {
                if (!double.IsFinite(step.Loss)) throw new InvalidOperationException($"Gradient flow diverged at t = {step.Time:G4}: the loss is {step.Loss}");
                monitor.Observe(step.Model.Parameters, step.Time, step.Loss);
                accepted = step.Index;
                progress?.Report(step.Time / duration);
            }, layout, cancel);
        }
        catch (OperationCanceledException) { cancelled = true; }
        double first = monitor.Records > 0 ? monitor.Losses[0] : double.NaN, last = monitor.Records > 0 ? monitor.Losses[^1] : double.NaN;
        return new ConservationReport(laws, monitor, accepted, cancelled, null, first, last) { TimeLabel = "flow time t" };
    }
}
