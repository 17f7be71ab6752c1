using Noether.Alignment.Matching;
using Noether.Nn;

namespace Noether.Alignment.Merging;

/// <summary>Points on the straight line between two models of one architecture, and averages of many.</summary>
public static class Interpolation
{
    /// <summary>(1 − λ)·θ_A + λ·θ_B for every parameter (buffers too; reset BatchNorm statistics afterwards).</summary>
    public static Model<double> Lerp(Model<double> a, Model<double> b, double lambda)
    {
        if (!double.IsFinite(lambda)) throw new ArgumentException($"λ must be finite, got {lambda}");
        ArchitectureCheck.RequireSame(a, b);
        return a.WithParameters(a.Parameters.ToDictionary(p => p.Key, p => p.Value * (1 - lambda) + b[p.Key] * lambda));
    }

    /// <summary>The mean of the models' parameters (weights given or equal).</summary>
    public static Model<double> Average(IReadOnlyList<Model<double>> models, IReadOnlyList<double>? weights = null)
    {
        if (models.Count == 0) throw new ArgumentException("Average of no models");
        weights ??= Enumerable.Repeat(1.0 / models.Count, models.Count).ToArray();
        if (weights.Count != models.Count) throw new ArgumentException($"{weights.Count} weights for {models.Count} models");
        foreach (var m in models.Skip(1)) ArchitectureCheck.RequireSame(models[0], m);
        return models[0].WithParameters(models[0].Parameters.ToDictionary(p => p.Key, p =>
        {
            var sum = p.Value * weights[0];
            for (int i = 1; i < models.Count; i++) sum = sum + models[i][p.Key] * weights[i];
            return sum;
        }));
    }
}
