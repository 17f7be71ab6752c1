using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Merging;

/// <summary>
/// REPAIR (Jordan et al., ICLR 2023): after interpolating two aligned networks, give every pre-activation channel the
/// interpolated mean and standard deviation of the endpoints', μ = (1−λ)μ_A + λμ_B and σ = (1−λ)σ_A + λσ_B, by
/// rescaling and shifting the Linear or convolution that produces it: w ← w·σ/σ_M, b ← (b − μ_M)·σ/σ_M + μ. Layers are
/// corrected in graph order, each measured after the ones before it. BatchNorm networks reset their statistics instead.
/// </summary>
public static class Repair
{
    /// <summary>The repaired interpolation of <paramref name="a"/> and aligned <paramref name="b"/> at <paramref name="lambda"/>.</summary>
    public static Model<double> Interpolate(Model<double> a, Model<double> b, double lambda, Dataset data, int maxSamples = 2048, CancellationToken cancel = default)
    {
        var merged = Interpolation.Lerp(a, b, lambda);
        if (BatchNormReset.Applies(merged.Graph)) return BatchNormReset.Reset(merged, data, cancel: cancel);
        var subset = data.Count > maxSamples ? data.Subset(Enumerable.Range(0, maxSamples)) : data;
        var layers = merged.Graph.Nodes.Where(n => n.Op is LinearOp { Bias: true } or Conv2dOp { Bias: true }
            && merged.Graph.Consumers(n.Name).Any(c => c.Op is ActivationOp)).ToArray();
        var statsA = Statistics(a, subset, layers.Select(l => l.Name));
        var statsB = Statistics(b, subset, layers.Select(l => l.Name));
        foreach (var layer in layers)
        {
            cancel.ThrowIfCancellationRequested();
            var (meanM, stdM) = Statistics(merged, subset, [layer.Name])[layer.Name];
            var (meanA, stdA) = statsA[layer.Name];
            var (meanB, stdB) = statsB[layer.Name];
            var w = merged[$"{layer.Name}.weight"].Clone();
            var bias = merged[$"{layer.Name}.bias"].Clone();
            int channels = bias.Dim(0), per = w.Length / channels;
            var ws = w.Span; var bs = bias.Span;
            for (int c = 0; c < channels; c++)
            {
                double target = (1 - lambda) * stdA[c] + lambda * stdB[c], mean = (1 - lambda) * meanA[c] + lambda * meanB[c];
                double k = stdM[c] > 1e-12 ? target / stdM[c] : 1;
                for (int i = 0; i < per; i++) ws[c * per + i] *= k;
                bs[c] = (bs[c] - meanM[c]) * k + mean;
            }
            merged = merged.WithParameters(new Dictionary<string, Tensor<double>> { [$"{layer.Name}.weight"] = w, [$"{layer.Name}.bias"] = bias });
        }
        return merged;
    }

    /// <summary>Per channel mean and standard deviation of the named values over the data (channel = first axis of an image, last of a vector).</summary>
    internal static Dictionary<string, (double[] Mean, double[] Std)> Statistics(Model<double> model, Dataset data, IEnumerable<string> values)
    {
        var names = values.ToArray();
        var sum = new Dictionary<string, double[]>();
        var sq = new Dictionary<string, double[]>();
        var counts = new Dictionary<string, long>();
        using var _ = GradMode.NoGrad();
        foreach (var (x, _) in new DataLoader(data, 256, shuffle: false, new Rng(0)).Epoch<double>())
        {
            var pass = Executor.Forward(model, [x], training: false);
            foreach (var name in names)
            {
                var t = pass.Values[name].Value.Contiguous();
                bool image = t.Rank == 4;
                int channels = image ? t.Dim(1) : t.Dim(t.Rank - 1);
                if (!sum.ContainsKey(name)) { sum[name] = new double[channels]; sq[name] = new double[channels]; counts[name] = 0; }
                counts[name] += t.Length / channels;
                var span = t.Span;
                int inner = image ? t.Dim(2) * t.Dim(3) : 1;
                for (int i = 0; i < span.Length; i++)
                {
                    int c = image ? i / inner % channels : i % channels;
                    sum[name][c] += span[i]; sq[name][c] += span[i] * span[i];
                }
            }
        }
        return names.ToDictionary(n => n, n =>
        {
            int channels = sum[n].Length;
            double per = Math.Max(1, counts[n]);
            var mean = sum[n].Select(v => v / per).ToArray();
            var std = sq[n].Select((v, c) => Math.Sqrt(Math.Max(0, v / per - mean[c] * mean[c]))).ToArray();
            return (mean, std);
        });
    }
}
