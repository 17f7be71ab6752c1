using Noether.Graphs.Layers;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Tests;

/// <summary>
/// Central finite differences (float64) against reverse-mode gradients for the parameters of a model: the output is
/// projected on a fixed random tensor, and up to <c>perParameter</c> entries of every parameter are probed.
/// </summary>
internal static class ParameterGradCheck
{
    public static void AssertMatches(ParameterStore store, Func<V> f, double tolerance = 1e-6, int perParameter = 4, double step = 1e-6)
    {
        var rng = new Rng(3);
        RandomiseBiases(store);
        store.ZeroGrad();
        var y = f();
        var projection = Tensor<double>.RandomNormal(rng, y.Value.ShapeArray());
        Ops.Sum(y * V.Constant(projection)).Backward();
        double Loss()
        {
            using var _ = GradMode.NoGrad();
            return (f().Value * projection).Sum();
        }
        int checkedCount = 0;
        foreach (var (name, p) in store.Parameters)
        {
            var span = p.Value.Span;
            var grad = p.Grad?.ToArray() ?? new double[span.Length];
            for (int t = 0; t < Math.Min(perParameter, span.Length); t++)
            {
                int e = rng.NextInt(span.Length);
                double orig = span[e];
                span[e] = orig + step; double up = Loss();
                span[e] = orig - step; double down = Loss();
                span[e] = orig;
                double numeric = (up - down) / (2 * step);
                double err = Math.Abs(grad[e] - numeric) / Math.Max(1.0, Math.Max(Math.Abs(grad[e]), Math.Abs(numeric)));
                Assert.True(err <= tolerance, $"{name}[{e}]: analytic {grad[e]}, numeric {numeric}, relative error {err:E2}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 0, "no parameters were checked");
        store.ZeroGrad();
    }

    /// <summary>
    /// Biases start at zero, and graph inputs hold exact zeros (padding, λ₀ = 0, sparse projections), so ReLU inputs
    /// would sit exactly on the kink where finite differences are meaningless; random biases move them off it. The
    /// regressor's head starts with a zero weight, which would make its output constant and every upstream gradient
    /// zero: every all-zero parameter gets random values too.
    /// </summary>
    public static void RandomiseBiases(ParameterStore store)
    {
        var rng = new Rng(17);
        foreach (var (name, p) in store.Parameters)
            if (name.EndsWith(".bias", StringComparison.Ordinal) || p.Value.ToArray().All(v => v == 0))
                for (int i = 0; i < p.Value.Length; i++) p.Value.Span[i] = 0.3 * rng.NextNormal();
    }
}
