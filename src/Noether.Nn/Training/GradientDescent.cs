using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>
/// Plain full-batch gradient descent θ ← θ − η ∇L(θ) over the same loss closure as <see cref="GradientFlow"/>, to
/// compare discrete training (and the drift of conserved quantities it causes, of order η) with the flow.
/// </summary>
public static class GradientDescent
{
    /// <summary>
    /// Takes <paramref name="steps"/> updates with learning rate <paramref name="learningRate"/>, updating
    /// <paramref name="model"/> in place. <paramref name="callback"/> sees the start (index 0, time 0) and the state
    /// after each update k at time k·η.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite.</exception>
    public static GradientFlowResult Run(Model<double> model, Func<Model<double>, Variable<double>> loss, double learningRate, int steps,
        Action<FlowStep>? callback = null, ParameterVector? parameters = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentException($"learning rate {learningRate} must be positive and finite", nameof(learningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var layout = parameters ?? ParameterVector.For(model);
        var theta = layout.Gather(model);
        var grad = new double[layout.Length];
        var times = new List<double>(steps + 1);
        var losses = new List<double>(steps + 1);
        for (int k = 0; ; k++)
        {
            cancel.ThrowIfCancellationRequested();
            double value = LossGradient.Evaluate(model, loss, layout, grad);
            if (!double.IsFinite(value)) throw new InvalidOperationException($"gradient descent diverged: loss is {value} after {k} steps at learning rate {learningRate}");
            times.Add(k * learningRate);
            losses.Add(value);
            callback?.Invoke(new FlowStep(k, k * learningRate, value, (double[])theta.Clone(), model, 0));
            if (k == steps) break;
            for (int i = 0; i < theta.Length; i++) theta[i] -= learningRate * grad[i];
            layout.Scatter(theta, model);
        }
        return new GradientFlowResult(times, losses, theta, steps, 0, steps + 1);
    }
}
