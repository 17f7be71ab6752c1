using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Tests;

/// <summary>Small float64 models and full-batch losses for the gradient-flow and NTK tests.</summary>
internal static class FlowFixtures
{
    /// <summary>The first <paramref name="count"/> digits training samples as one batch.</summary>
    public static (Tensor<double> X, int[] Y) Digits(int count)
    {
        var (train, _) = Datasets.Digits();
        var subset = train.Subset(Enumerable.Range(0, count)).WithSampleShape(64);
        return new DataLoader(subset, count, shuffle: false, new Rng(0)).Epoch<double>().Single();
    }

    public static Func<Model<double>, Variable<double>> CrossEntropy(Tensor<double> x, int[] y) =>
        m => Losses.CrossEntropy(Executor.Forward(m, [x], training: false).Outputs[0], y);

    public static Func<Model<double>, Variable<double>> Mse(Tensor<double> x, Tensor<double> y) =>
        m => Losses.MeanSquaredError(Executor.Forward(m, [x], training: false).Outputs[0], y);

    /// <summary>A tanh MLP 3 → 6 → 5 → 2 (smooth, so finite differences are clean).</summary>
    public static Model<double> SmoothMlp(ulong seed = 1) =>
        Model<double>.Initialize(Builders.Mlp(3, [6, 5], 2, Activation.Tanh), new Rng(seed));

    public static Tensor<double> Inputs(int n, ulong seed) => Tensor<double>.RandomNormal(new Rng(seed), n, 3);

    /// <summary>Regression targets y = (sin x₀ + x₁/2, cos x₂) for the smooth MLP.</summary>
    public static Tensor<double> Targets(Tensor<double> x)
    {
        int n = x.Dim(0);
        var y = new Tensor<double>(n, 2);
        for (int i = 0; i < n; i++)
        {
            y[i, 0] = Math.Sin(x[i, 0]) + 0.5 * x[i, 1];
            y[i, 1] = Math.Cos(x[i, 2]);
        }
        return y;
    }

    public static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (double e in v) s += e * e;
        return Math.Sqrt(s);
    }

    public static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }
}
