using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>
/// Continuous-time training: integrates the gradient flow θ̇ = −∇L(θ) of a full-batch loss with
/// <see cref="DormandPrince"/>, the limit of gradient descent as the learning rate goes to zero, along which the
/// conserved quantities of a model's symmetries are exactly conserved.
/// </summary>
public static class GradientFlow
{
    /// <summary>Default error control: tight enough that conservation laws hold to ~1e-8.</summary>
    public static OdeOptions DefaultOptions { get; } = new() { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-10, RecordSteps = false };

    /// <summary>
    /// Runs the flow for <paramref name="duration"/> time units (negative runs it backwards), updating
    /// <paramref name="model"/> in place; it ends holding θ(duration).
    /// </summary>
    /// <param name="model">Float64 model whose selected parameters evolve.</param>
    /// <param name="loss">Full-batch loss closure (see <see cref="LossGradient"/>); must be deterministic (no dropout).</param>
    /// <param name="duration">Flow time.</param>
    /// <param name="options">Error control; <see cref="DefaultOptions"/> when null.</param>
    /// <param name="onAccepted">Called at the start and after every accepted step with the model holding θ(t).</param>
    /// <param name="parameters">Which parameters flow; every trainable one when null.</param>
    /// <param name="cancel">Checked before every gradient evaluation.</param>
    public static GradientFlowResult Run(Model<double> model, Func<Model<double>, Variable<double>> loss, double duration,
        OdeOptions? options = null, Action<FlowStep>? onAccepted = null, ParameterVector? parameters = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        if (!double.IsFinite(duration)) throw new ArgumentException($"duration {duration} is not finite", nameof(duration));
        var layout = parameters ?? ParameterVector.For(model);
        var theta0 = layout.Gather(model);

        // Remember the loss of the last evaluation: with FSAL the last stage of an accepted step is evaluated at the
        // accepted state itself, so reporting it costs no extra forward pass.
        double[]? lastTheta = null;
        double lastLoss = double.NaN;
        int evaluations = 0;
        double[] Rhs(double t, double[] theta)
        {
            layout.Scatter(theta, model);
            var g = new double[layout.Length];
            lastLoss = LossGradient.Evaluate(model, loss, layout, g);
            evaluations++;
            lastTheta = (double[])theta.Clone();
            for (int i = 0; i < g.Length; i++) g[i] = -g[i];
            return g;
        }

        var times = new List<double>();
        var losses = new List<double>();
        void Accepted(OdeStep step)
        {
            double value;
            if (lastTheta is not null && lastTheta.AsSpan().SequenceEqual(step.State)) value = lastLoss;
            else
            {
                layout.Scatter(step.State, model);
                var g = new double[layout.Length];
                value = LossGradient.Evaluate(model, loss, layout, g);
                evaluations++;
            }
            layout.Scatter(step.State, model);
            times.Add(step.Time);
            losses.Add(value);
            onAccepted?.Invoke(new FlowStep(step.Index, step.Time, value, step.State, model, step.Rejected));
        }

        var solution = DormandPrince.Integrate(Rhs, 0, theta0, duration, options ?? DefaultOptions, Accepted, cancel);
        layout.Scatter(solution.FinalState, model);
        return new GradientFlowResult(times, losses, solution.FinalState, solution.AcceptedSteps, solution.RejectedSteps, evaluations);
    }
}
