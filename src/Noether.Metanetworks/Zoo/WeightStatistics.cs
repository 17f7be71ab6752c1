using Noether.Nn;
using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Metanetworks.Zoo;

/// <summary>
/// The statistics baseline (Unterthiner et al. 2020, "Predicting neural network accuracy from weights"): per trainable
/// parameter tensor its mean, variance and quantiles (0, 25, 50, 75, 100 %), standardised, then ridge regression.
/// Invariant to permutations by construction (but not to scalings).
/// </summary>
public static class WeightStatistics
{
    /// <summary>Quantiles reported per tensor.</summary>
    public static IReadOnlyList<double> Quantiles { get; } = [0, 0.25, 0.5, 0.75, 1];

    /// <summary>Feature vector of one model: per trainable tensor, mean, variance, then <see cref="Quantiles"/>.</summary>
    public static double[] Features(Model<double> model)
    {
        var features = new List<double>();
        foreach (var p in model.Graph.Parameters.Where(p => p.Trainable))
        {
            var v = model[p.Name].ToArray();
            double mean = v.Average();
            features.Add(mean);
            features.Add(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
            Array.Sort(v);
            foreach (var q in Quantiles)
            {
                double pos = q * (v.Length - 1);
                int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, v.Length - 1);
                features.Add(v[lo] + (pos - lo) * (v[hi] - v[lo]));
            }
        }
        return features.ToArray();
    }

    /// <summary>
    /// Fits ridge regression (penalty <paramref name="ridge"/> on standardised features, intercept free) on the
    /// training models and predicts every model.
    /// </summary>
    public static double[] FitPredict(IReadOnlyList<double[]> features, IReadOnlyList<double> targets, int[] train, double ridge = 1.0)
    {
        int d = features[0].Length;
        var mean = new double[d]; var std = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = train.Average(i => features[i][j]);
            std[j] = Math.Sqrt(train.Average(i => Math.Pow(features[i][j] - mean[j], 2)));
            if (std[j] < 1e-12) std[j] = 1;
        }
        double[] Row(int i) => [1, .. Enumerable.Range(0, d).Select(j => (features[i][j] - mean[j]) / std[j])];
        var a = new Tensor<double>(d + 1, d + 1); var b = new Tensor<double>(d + 1, 1);
        foreach (var i in train)
        {
            var r = Row(i);
            for (int j = 0; j <= d; j++)
            {
                b[j, 0] += r[j] * targets[i];
                for (int k = 0; k <= d; k++) a[j, k] += r[j] * r[k];
            }
        }
        for (int j = 1; j <= d; j++) a[j, j] += ridge;
        var w = Linalg.Solve(a, b).ToArray();
        return Enumerable.Range(0, features.Count).Select(i => Row(i).Zip(w, (x, y) => x * y).Sum()).ToArray();
    }
}
