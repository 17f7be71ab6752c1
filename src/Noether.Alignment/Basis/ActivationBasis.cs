using Noether.Nn;
using Noether.Nn.Data;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Basis;

/// <summary>How the activation-basis experiment runs.</summary>
public sealed record BasisOptions
{
    /// <summary>Number of rotation powers t, evenly spaced from 0 to 1 (at least 2).</summary>
    public int Steps { get; init; } = 11;

    /// <summary>At most this many samples of the data (the first ones).</summary>
    public int MaxSamples { get; init; } = 2000;

    /// <summary>Seed of the random skew-symmetric generator.</summary>
    public ulong Seed { get; init; }

    /// <summary>The model's name in errors.</summary>
    public string Name { get; init; } = "model";
}

/// <summary>One rotation power: the mean and spread of the units' class selectivity, and the function's change.</summary>
/// <param name="T">The power t of R^t = exp(tA).</param>
/// <param name="Selectivity">Mean class selectivity index over the layer's units.</param>
/// <param name="SelectivitySd">Standard deviation of the index over units.</param>
/// <param name="MaxOutputChange">Largest |output change| of the model with R^t at the layer and R^{−t} after it.</param>
public sealed record BasisStep(double T, double Selectivity, double SelectivitySd, double MaxOutputChange);

/// <summary>The outcome of <see cref="ActivationBasis.Run"/>.</summary>
/// <param name="Layer">The rotated hidden value.</param>
/// <param name="Channels">Its units (channels).</param>
/// <param name="Samples">Samples used.</param>
/// <param name="Steps">One entry per power t, in increasing t.</param>
/// <param name="Alive">Units that are not constant over the samples: the rotation and the mean selectivity use these only.</param>
public sealed record BasisResult(string Layer, int Channels, int Samples, IReadOnlyList<BasisStep> Steps, int Alive);

/// <summary>
/// The activation-basis experiment (SPEC §1, Godfrey et al. 2022): rotate a hidden representation by R^t = exp(tA), A a
/// random skew-symmetric generator (so R = R¹ is a random rotation and R⁰ = I), give the layers after it R^{−t} = exp(−tA)
/// first so the network computes the same function, and measure how the class selectivity of single units decays
/// with t. ReLU's intertwiner group (permutations and positive scalings) predicts the activation basis is privileged.
/// </summary>
/// <remarks>
/// Class selectivity index of a unit (Morcos et al. 2018): with μ_k its mean activation over samples of class k (conv
/// units: the spatial mean per sample), (μ_max − μ_rest)/(μ_max + μ_rest), μ_rest the mean of the other classes' μ_k.
/// It assumes non-negative activations; a rotated unit can be negative, so a unit whose minimum m over the samples is
/// negative is shifted by −m first (a no-op on ReLU outputs, so t = 0 gives the usual index). A unit with
/// μ_max + μ_rest = 0 (dead) scores 0. Units constant over the samples (dead ReLUs) are left out of the rotation and
/// of the mean: rotating them in would hand them some of the live units' selectivity and raise the mean at small t, an
/// artefact of the averaging rather than of the basis. The generator is A = π/(2√(2c))·(G − Gᵀ), G standard normal c × c, whose
/// rotation angles spread over (−π, π] like a random rotation's.
/// </remarks>
public static class ActivationBasis
{
    /// <summary>Runs the experiment on <paramref name="data"/> (labels needed: selectivity is per class).</summary>
    /// <exception cref="ArgumentException">An unknown layer, an output or input, or a layer without a channel axis; the message names the model and its hidden layers.</exception>
    public static BasisResult Run(Model<double> model, string layer, Dataset data, BasisOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new BasisOptions();
        if (options.Steps < 2) throw new ArgumentException($"the activation-basis experiment needs at least 2 steps of t (got {options.Steps})");
        int c = CheckLayer(model, layer, options.Name);
        var subset = data.Count > options.MaxSamples ? data.Subset(Enumerable.Range(0, options.MaxSamples)) : data;
        var (inputs, features, plain, labels) = Collect(model, layer, subset, cancel);
        var means = ChannelMeans(features, c);
        var alive = Alive(means);
        if (alive.Length < 2) throw new ArgumentException($"{options.Name}: layer '{layer}' has {alive.Length} unit(s) that vary over the samples; rotating needs at least 2");
        var generator = Embed(Generator(alive.Length, options.Seed), alive, c);
        var steps = new List<BasisStep>();
        for (int k = 0; k < options.Steps; k++)
        {
            cancel.ThrowIfCancellationRequested();
            double t = (double)k / (options.Steps - 1);
            var (r, inverse) = (Rotation(generator, t), Rotation(generator, -t));
            var all = Selectivity(means.MatMul(r.Transpose()), labels, data.Classes);
            var scores = alive.Select(u => all[u]).ToArray();
            double change = 0;
            for (int b = 0; b < features.Count; b++)
            {
                var rotated = StitchApply(features[b], r);
                var output = Downstream(model, layer, inputs[b], StitchApply(rotated, inverse));
                change = Math.Max(change, output.MaxAbsDiff(plain[b]));
            }
            double mean = scores.Average();
            steps.Add(new BasisStep(t, mean, Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, scores.Length - 1)), change));
        }
        return new BasisResult(layer, c, subset.Count, steps, alive.Length);
    }

    /// <summary>Units whose per-sample value is not constant.</summary>
    private static int[] Alive(Tensor<double> means)
    {
        int n = means.Dim(0), c = means.Dim(1);
        var x = means.Contiguous().ToArray();
        return Enumerable.Range(0, c).Where(u => Enumerable.Range(1, n - 1).Any(i => x[i * c + u] != x[u])).ToArray();
    }

    /// <summary>The generator on the <paramref name="units"/> placed in a c × c matrix (zero elsewhere: those units stay put).</summary>
    private static Tensor<double> Embed(Tensor<double> g, int[] units, int c)
    {
        if (units.Length == c) return g;
        var full = new Tensor<double>(c, c);
        for (int i = 0; i < units.Length; i++)
            for (int j = 0; j < units.Length; j++) full[units[i], units[j]] = g[i, j];
        return full;
    }

    /// <summary>A random skew-symmetric generator A on <paramref name="channels"/> units (see the class remarks).</summary>
    public static Tensor<double> Generator(int channels, ulong seed)
    {
        var g = Tensor<double>.RandomNormal(new Rng(seed ^ 0xB0A515), channels, channels);
        return (g - g.Transpose().Contiguous()) * (Math.PI / (2 * Math.Sqrt(2.0 * channels)));
    }

    /// <summary>R^t = exp(tA).</summary>
    public static Tensor<double> Rotation(Tensor<double> generator, double t) => MatrixExponential.Of(generator * t);

    /// <summary>Class selectivity index of each unit (columns of <paramref name="units"/> [samples, c]); see the class remarks.</summary>
    public static double[] Selectivity(Tensor<double> units, int[] labels, int classes)
    {
        int n = units.Dim(0), c = units.Dim(1);
        var x = units.Contiguous().ToArray();
        var scores = new double[c];
        for (int u = 0; u < c; u++)
        {
            double min = 0;
            for (int i = 0; i < n; i++) min = Math.Min(min, x[i * c + u]);
            var sum = new double[classes]; var count = new int[classes];
            for (int i = 0; i < n; i++) { sum[labels[i]] += x[i * c + u] - min; count[labels[i]]++; }
            var mu = Enumerable.Range(0, classes).Where(k => count[k] > 0).Select(k => sum[k] / count[k]).ToArray();
            if (mu.Length < 2) throw new ArgumentException($"class selectivity needs samples of at least 2 classes (got {mu.Length})");
            int best = Array.IndexOf(mu, mu.Max());
            double rest = mu.Where((_, k) => k != best).Average();
            scores[u] = mu[best] + rest <= 0 ? 0 : (mu[best] - rest) / (mu[best] + rest);
        }
        return scores;
    }

    private static (List<Tensor<double>> Inputs, List<Tensor<double>> Features, List<Tensor<double>> Outputs, int[] Labels) Collect(
        Model<double> model, string layer, Dataset data, CancellationToken cancel)
    {
        var inputs = new List<Tensor<double>>(); var features = new List<Tensor<double>>(); var outputs = new List<Tensor<double>>(); var labels = new List<int>();
        using var _ = GradMode.NoGrad();
        foreach (var (x, y) in new DataLoader(data, 256, shuffle: false, new Rng(0)).Epoch<double>())
        {
            cancel.ThrowIfCancellationRequested();
            var pass = Executor.Forward(model, [x], training: false);
            inputs.Add(x); features.Add(pass.Values[layer].Value); outputs.Add(pass.Outputs[0].Value); labels.AddRange(y);
        }
        return (inputs, features, outputs, labels.ToArray());
    }

    /// <summary>Per-sample channel values [samples, c]: conv features averaged over pixels.</summary>
    private static Tensor<double> ChannelMeans(List<Tensor<double>> features, int c)
    {
        var rows = new List<double>();
        foreach (var f in features)
        {
            int n = f.Dim(0), per = f.Length / n / c;
            var v = f.Contiguous().ToArray();
            bool channelsFirst = f.Rank == 4;
            for (int i = 0; i < n; i++)
                for (int u = 0; u < c; u++)
                {
                    double s = 0;
                    for (int p = 0; p < per; p++) s += channelsFirst ? v[(i * c + u) * per + p] : v[(i * per + p) * c + u];
                    rows.Add(s / per);
                }
        }
        return Tensor<double>.FromArray(rows.ToArray(), rows.Count / c, c);
    }

    private static Tensor<double> StitchApply(Tensor<double> h, Tensor<double> m)
    {
        using var _ = GradMode.NoGrad();
        return Stitching.StitchLayer.Apply(Variable<double>.Constant(h), Variable<double>.Constant(m), null).Value;
    }

    /// <summary>The model's output with its value at <paramref name="layer"/> replaced.</summary>
    private static Tensor<double> Downstream(Model<double> model, string layer, Tensor<double> input, Tensor<double> replacement)
    {
        using var _ = GradMode.NoGrad();
        return Executor.Forward(model, [Variable<double>.Constant(input)], training: false,
            valueOverrides: new Dictionary<string, Variable<double>> { [layer] = Variable<double>.Constant(replacement) }).Outputs[0].Value;
    }

    private static int CheckLayer(Model<double> model, string layer, string name)
    {
        var g = model.Graph;
        var hidden = Similarity.RepresentationLayers.Of(g).Select(l => l.Value).ToArray();
        if (g.Producer(layer) is null || g.Outputs.Contains(layer))
            throw new ArgumentException($"Unknown hidden layer '{layer}' in {name} ('{g.Name}'); its hidden layers are {string.Join(", ", hidden)}");
        return Similarity.RepresentationLayers.ChannelsOf(g.ShapeOf(layer));
    }
}
