using Noether.Alignment.Basis;
using Noether.Alignment.Stitching;
using Noether.Alignment.Tests.Stitching;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Basis;

/// <summary>The activation-basis experiment on a small trained ReLU MLP (digits): the score at t = 0, the unchanged function, the decay.</summary>
public class ActivationBasisTests(StitchModels models) : IClassFixture<StitchModels>
{
    private static readonly BasisOptions Small = new() { Steps = 6, MaxSamples = 300, Seed = 4 };

    /// <summary>Morcos et al.'s index on raw ReLU activations, written out independently of the library, averaged over the units that are not constant (dead).</summary>
    private double OriginalSelectivity(string layer, int samples)
    {
        var data = models.Test.Subset(Enumerable.Range(0, samples));
        var (x, y) = data.Batch<double>(Enumerable.Range(0, samples).ToArray());
        var h = Executor.Forward(models.A, [x], training: false).Values[layer].Value;
        int c = h.Dim(1), alive = 0;
        double total = 0;
        for (int u = 0; u < c; u++)
        {
            if (Enumerable.Range(1, samples - 1).All(i => h[i, u] == h[0, u])) continue;
            alive++;
            var mu = Enumerable.Range(0, 10).Select(k => Enumerable.Range(0, samples).Where(i => y[i] == k).Select(i => h[i, u]).DefaultIfEmpty(double.NaN).Average())
                .Where(double.IsFinite).ToArray();
            double max = mu.Max(), rest = (mu.Sum() - max) / (mu.Length - 1);
            total += max + rest == 0 ? 0 : (max - rest) / (max + rest);
        }
        return total / alive;
    }

    [Fact]
    public void AtTZeroTheScoreIsTheOriginalOne()
    {
        var r = ActivationBasis.Run(models.A, "layers.1", models.Test, Small);
        Assert.Equal(0, r.Steps[0].T);
        Assert.Equal(1, r.Steps[^1].T);
        Assert.InRange(r.Alive, 2, r.Channels);
        Assert.True(Math.Abs(r.Steps[0].Selectivity - OriginalSelectivity("layers.1", 300)) < 1e-12,
            $"{r.Steps[0].Selectivity:R} vs {OriginalSelectivity("layers.1", 300):R}");
    }

    [Fact]
    public void TheFunctionIsUnchangedAtEveryTAndTheRotationIsOne()
    {
        var r = ActivationBasis.Run(models.A, "layers.3", models.Test, Small);
        Assert.All(r.Steps, s => Assert.True(s.MaxOutputChange < 1e-9, $"t = {s.T}: output changed by {s.MaxOutputChange:E2}"));
        var a = ActivationBasis.Generator(12, 4);
        var rot = ActivationBasis.Rotation(a, 1);
        Assert.True(rot.Transpose().MatMul(rot).MaxAbsDiff(Tensor<double>.Eye(12)) < 1e-12, "R is not orthogonal");
        Assert.True(rot.MaxAbsDiff(Tensor<double>.Eye(12)) > 0.5, "R should be far from the identity");
        // R^½·R^½ = R: the fractional powers are one one-parameter group.
        var half = ActivationBasis.Rotation(a, 0.5);
        Assert.True(half.MatMul(half).MaxAbsDiff(rot) < 1e-12);
        // Without R^{-t} the rotated features do change the output (the check above can fail).
        var x = models.Test.Batch<double>(Enumerable.Range(0, 20).ToArray()).Item1;
        var pass = Executor.Forward(models.A, [x], training: false);
        var rotated = pass.Values["layers.3"].Value.MatMul(rot.Transpose());
        var changed = Executor.Forward(models.A, [Noether.Tensors.Autodiff.Variable<double>.Constant(x)], training: false,
            valueOverrides: new Dictionary<string, Noether.Tensors.Autodiff.Variable<double>> { ["layers.3"] = Noether.Tensors.Autodiff.Variable<double>.Constant(rotated) });
        Assert.True(changed.Outputs[0].Value.MaxAbsDiff(pass.Outputs[0].Value) > 1e-2);
    }

    [Fact]
    public void SelectivityDecaysForATrainedReluNetwork()
    {
        var r = ActivationBasis.Run(models.A, "layers.1", models.Test, Small);
        double s0 = r.Steps[0].Selectivity, s1 = r.Steps[^1].Selectivity;
        Assert.True(s1 < 0.8 * s0, $"selectivity {s0:F4} at t = 0, {s1:F4} at t = 1");
        Assert.True(r.Steps[2].Selectivity < s0, $"selectivity {s0:F4} at t = 0, {r.Steps[2].Selectivity:F4} at t = {r.Steps[2].T}");
    }

    [Fact]
    public void BadLayersGetAOneLineError()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationBasis.Run(models.A, "layers.9", models.Test, Small with { Name = "m.safetensors" }));
        Assert.Contains("'layers.9'", e.Message);
        Assert.Contains("m.safetensors", e.Message);
        Assert.Contains("layers.1", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<ArgumentException>(() => ActivationBasis.Run(models.A, models.A.Graph.Outputs[0], models.Test, Small));
    }

    [Fact]
    public void PenaltyTablesAverageOverPairs()
    {
        var rows = StitchPenaltyTable.Summarise([("l1", "affine", 0.1), ("l1", "affine", 0.3), ("l1", "grelu", 0.2), ("l2", "affine", 0.0)]);
        Assert.Equal(3, rows.Count);
        Assert.Equal(("l1", "affine", 2), (rows[0].Layer, rows[0].Class, rows[0].Count));
        Assert.True(Math.Abs(rows[0].Mean - 0.2) < 1e-12);
        Assert.True(Math.Abs(rows[0].StandardDeviation - Math.Sqrt(0.02)) < 1e-12);
        Assert.True(double.IsNaN(rows[1].StandardDeviation));
        Assert.Throws<ArgumentException>(() => StitchPenaltyTable.Summarise([]));
    }
}
