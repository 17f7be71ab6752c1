using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>
/// Value and gradient ∇_θ L of a full-batch loss closure, such as
/// <c>m =&gt; Losses.MeanSquaredError(Executor.Forward(m, [x], training: false).Outputs[0], y)</c>.
/// The closure may run the model any number of times; the gradient of every use of a parameter is summed.
/// </summary>
public static class LossGradient
{
    /// <summary>
    /// Evaluates <paramref name="loss"/> on <paramref name="model"/>, back-propagates, and writes the gradient with
    /// respect to the parameters of <paramref name="layout"/> into <paramref name="gradient"/> (zeros for a
    /// parameter the loss does not touch). Gradients are matched to parameters by tensor identity: the autodiff
    /// leaves whose value is the model's own parameter tensor.
    /// </summary>
    /// <returns>The loss value.</returns>
    /// <exception cref="InvalidOperationException">The loss is not a scalar, records no autodiff graph, or depends on none of the parameters.</exception>
    public static double Evaluate(Model<double> model, Func<Model<double>, Variable<double>> loss, ParameterVector layout, Span<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(layout);
        if (gradient.Length != layout.Length) throw new ArgumentException($"gradient has {gradient.Length} elements, the layout {layout.Length}");
        if (!GradMode.IsEnabled) throw new InvalidOperationException("LossGradient needs gradient recording, but it runs inside GradMode.NoGrad()");

        var owner = new Dictionary<Tensor<double>, ParameterSegment>(ReferenceEqualityComparer.Instance);
        foreach (var s in layout.Segments) owner[model[s.Name]] = s;

        var value = loss(model) ?? throw new InvalidOperationException("the loss closure returned null");
        if (value.Value.Length != 1) throw new InvalidOperationException($"the loss must be a scalar, got shape {Shapes.Format(value.Value.Shape)}");
        double result = value.Value.ToScalar();
        gradient.Clear();
        if (!value.RequiresGrad) throw new InvalidOperationException($"the loss does not depend on any parameter of model '{model.Graph.Name}' (did the closure run another model, or under NoGrad?)");
        value.Backward();
        int matched = 0;
        foreach (var leaf in value.GradientLeaves())
        {
            if (leaf.Grad is null || !owner.TryGetValue(leaf.Value, out var s)) continue;
            var g = leaf.Grad.Contiguous().Span;
            var dst = gradient.Slice(s.Offset, s.Length);
            for (int i = 0; i < dst.Length; i++) dst[i] += g[i];
            matched++;
        }
        if (matched == 0) throw new InvalidOperationException($"the loss does not depend on any selected parameter of model '{model.Graph.Name}' (did the closure run another model?)");
        return result;
    }
}
