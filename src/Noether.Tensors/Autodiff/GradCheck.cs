namespace Noether.Tensors.Autodiff;

/// <summary>The outcome of a finite-difference gradient check.</summary>
/// <param name="MaxRelativeError">max over all input elements of |analytic − numeric| / max(1, |analytic|, |numeric|).</param>
/// <param name="Worst">Where the worst error occurred (input index, flat element index).</param>
/// <param name="Analytic">The analytic derivative at the worst element.</param>
/// <param name="Numeric">The central-difference estimate at the worst element.</param>
public readonly record struct GradCheckResult(double MaxRelativeError, (int Input, int Element) Worst, double Analytic, double Numeric);

/// <summary>
/// Compares reverse-mode gradients with central finite differences in float64. The function's output is reduced to a
/// scalar by a fixed random projection, so every output element's gradient is exercised.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks the gradient of <paramref name="f"/> with respect to every input.</summary>
    public static GradCheckResult Run(Func<Variable<double>[], Variable<double>> f, Tensor<double>[] inputs, double step = 1e-6, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var vars = inputs.Select(t => Variable<double>.Parameter(t.Clone())).ToArray();
        var y = f(vars);
        var projection = Tensor<double>.RandomNormal(rng, y.Value.ShapeArray());
        Ops.Sum(Ops.Mul(y, Variable<double>.Constant(projection))).Backward();
        double Loss(Tensor<double>[] xs)
        {
            using var _ = GradMode.NoGrad();
            var v = f(xs.Select(t => Variable<double>.Constant(t)).ToArray()).Value;
            return (v * projection).Sum();
        }
        var worst = new GradCheckResult(0, (-1, -1), 0, 0);
        for (int i = 0; i < inputs.Length; i++)
        {
            var analytic = vars[i].Grad?.ToArray() ?? new double[inputs[i].Length];
            var probe = inputs.Select(t => t.Clone()).ToArray();
            var span = probe[i].Span;
            for (int e = 0; e < span.Length; e++)
            {
                double orig = span[e];
                span[e] = orig + step; double up = Loss(probe);
                span[e] = orig - step; double down = Loss(probe);
                span[e] = orig;
                double numeric = (up - down) / (2 * step);
                double err = Math.Abs(analytic[e] - numeric) / Math.Max(1.0, Math.Max(Math.Abs(analytic[e]), Math.Abs(numeric)));
                if (err > worst.MaxRelativeError || double.IsNaN(err)) worst = new(err, (i, e), analytic[e], numeric);
            }
        }
        return worst;
    }
}
