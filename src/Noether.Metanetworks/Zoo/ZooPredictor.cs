using System.Diagnostics;
using Noether.Metanetworks.WeightSpace;
using Noether.Nn;
using Noether.Nn.Training;
using Noether.Symmetry.Derivation;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Metanetworks.Zoo;

/// <summary>The metanetworks <see cref="ZooPredictor"/> can train.</summary>
public enum ZooMethod
{
    /// <summary>NFN with hidden-neuron permutations (HNP): the true permutation group of the zoo's architecture.</summary>
    Nfn,
    /// <summary>NFN with all neurons permuted (NP).</summary>
    NfnNp,
    /// <summary>Graph metanetwork on parameter graphs.</summary>
    Gmn,
    /// <summary>Per-tensor weight statistics and ridge regression.</summary>
    Stats,
    /// <summary>Flat MLP on the concatenated weights (with <see cref="ZooPredictorOptions.Augment"/>: symmetry augmentation).</summary>
    Mlp,
}

/// <summary>Settings of one accuracy-prediction run.</summary>
/// <param name="Method">The metanetwork.</param>
/// <param name="Augment">Flat MLP only: random derived-group permutations of every training model, drawn afresh each batch.</param>
/// <param name="TestFraction">Held-out share of the zoo.</param>
/// <param name="Seed">Split, initialisation and batch order.</param>
/// <param name="Epochs">Training epochs (not for <see cref="ZooMethod.Stats"/>).</param>
/// <param name="BatchSize">Models per batch.</param>
/// <param name="LearningRate">Adam's step size (cosine decay to zero).</param>
/// <param name="Hidden">Channels of NFN layers and width of GMN layers.</param>
public sealed record ZooPredictorOptions(ZooMethod Method, bool Augment = false, double TestFraction = 0.25, ulong Seed = 0, int Epochs = 150,
    int BatchSize = 16, double LearningRate = 1e-3, int Hidden = 16);

/// <summary>Held-out scores of one run, and the test predictions.</summary>
public sealed record ZooPrediction(string Method, bool Augment, int TrainModels, int TestModels, double KendallTau, double R2,
    IReadOnlyList<double> Predicted, IReadOnlyList<double> Actual, double Seconds, long MetanetworkParameters);

/// <summary>
/// Predicts the test accuracy of trained networks from their weights (a model zoo of one architecture): splits the zoo,
/// trains the chosen metanetwork on the training part (mean squared error on standardised accuracies, Adam), and reports
/// Kendall τ and R² on the held-out part. The entry point for <c>noether zoo predict</c>.
/// </summary>
public static class ZooPredictor
{
    /// <summary>A deterministic split: a seeded permutation, the first ⌈fraction·count⌉ held out.</summary>
    public static (int[] Train, int[] Test) Split(int count, double testFraction, ulong seed)
    {
        if (count < 4) throw new ArgumentException($"A zoo needs at least 4 models to split, got {count}");
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentException($"Test fraction must be in (0, 1), got {testFraction}");
        var order = new Rng(seed ^ 0x5A17UL).Permutation(count);
        int test = Math.Clamp((int)Math.Ceiling(count * testFraction), 1, count - 2);
        return (order.Skip(test).ToArray(), order.Take(test).ToArray());
    }

    /// <summary>Loads the zoo in <paramref name="directory"/> (index.csv; models through <paramref name="load"/>, e.g. Noether.IO's ModelFiles.Load) and runs.</summary>
    public static ZooPrediction Run(string directory, Func<string, Model<double>> load, ZooPredictorOptions options, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var entries = ZooIndex.Read(Path.Combine(directory, ZooIndex.FileName));
        var models = entries.Select(e => load(Path.Combine(directory, e.File))).ToArray();
        return Run(models, entries.Select(e => e.TestAccuracy).ToArray(), options, progress, cancel);
    }

    /// <summary>Runs on loaded models (one architecture) and their test accuracies.</summary>
    public static ZooPrediction Run(IReadOnlyList<Model<double>> models, IReadOnlyList<double> accuracies, ZooPredictorOptions options,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        if (models.Count != accuracies.Count) throw new ArgumentException($"{models.Count} models but {accuracies.Count} accuracies");
        if (options.Augment && options.Method != ZooMethod.Mlp) throw new ArgumentException($"--augment is for the flat MLP; {options.Method} is invariant already");
        var shapes = models[0].Graph.Parameters.Select(p => (p.Name, Shapes.Format(p.Shape))).ToArray();
        for (int i = 1; i < models.Count; i++)
            if (!models[i].Graph.Parameters.Select(p => (p.Name, Shapes.Format(p.Shape))).SequenceEqual(shapes))
                throw new ArgumentException($"Zoo model {i} ('{models[i].Graph.Name}') has other parameters than model 0; a zoo holds one architecture");
        var sw = Stopwatch.StartNew();
        var (train, test) = Split(models.Count, options.TestFraction, options.Seed);
        var rng = new Rng(options.Seed);
        double[] predictions;
        long size = 0;
        if (options.Method == ZooMethod.Stats)
            predictions = WeightStatistics.FitPredict(models.Select(WeightStatistics.Features).ToArray(), accuracies, train);
        else
        {
            // One scale for all weights (their std over the training models), so inputs are O(1).
            var all = train.SelectMany(i => models[i].Graph.Parameters.Where(p => p.Trainable).SelectMany(p => models[i][p.Name].ToArray())).ToArray();
            double mean = all.Average(), scale = Math.Sqrt(all.Average(v => (v - mean) * (v - mean)));
            if (!(scale > 0)) scale = 1;
            var spec = SymmetryDeriver.Derive(models[0].Graph);
            IWeightRegressor regressor = options.Method switch
            {
                ZooMethod.Nfn => new NfnRegressor(models, spec, PermutationVariant.Hidden, options.Hidden, scale, rng),
                ZooMethod.NfnNp => new NfnRegressor(models, spec, PermutationVariant.All, options.Hidden, scale, rng),
                ZooMethod.Gmn => new GmnRegressor(models, options.Hidden, scale, rng),
                _ => new FlatMlpRegressor(models, spec, options.Augment, scale, rng),
            };
            size = regressor.Store.Count;
            predictions = Fit(regressor, accuracies, train, options, rng, progress, cancel);
        }
        var predicted = test.Select(i => predictions[i]).ToArray();
        var actual = test.Select(i => accuracies[i]).ToArray();
        string name = options.Method switch { ZooMethod.NfnNp => "nfn-np", var m => m.ToString().ToLowerInvariant() };
        return new ZooPrediction(name, options.Augment, train.Length, test.Length, RankMetrics.KendallTau(predicted, actual), RankMetrics.R2(predicted, actual),
            predicted, actual, sw.Elapsed.TotalSeconds, size);
    }

    private static double[] Fit(IWeightRegressor regressor, IReadOnlyList<double> accuracies, int[] train, ZooPredictorOptions o, Rng rng,
        IProgress<string>? progress, CancellationToken cancel)
    {
        double mean = train.Average(i => accuracies[i]);
        double std = Math.Sqrt(train.Average(i => Math.Pow(accuracies[i] - mean, 2)));
        if (!(std > 0)) std = 1;
        var optimizer = new Adam<double>(weightDecay: 1e-4);
        int batches = (train.Length + o.BatchSize - 1) / o.BatchSize;
        long total = (long)o.Epochs * batches, step = 0;
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            var order = rng.Permutation(train.Length).Select(k => train[k]).ToArray();
            double lossSum = 0;
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                var idx = order.Skip(b * o.BatchSize).Take(o.BatchSize).ToArray();
                var y = new Tensor<double>(idx.Select(i => (accuracies[i] - mean) / std).ToArray(), [idx.Length, 1]);
                regressor.Store.NewPass();
                var diff = regressor.Predict(idx, training: true, rng) - Variable<double>.Constant(y);
                var loss = Ops.Mean(diff * diff);
                loss.Backward();
                lossSum += loss.Value.ToScalar() * idx.Length;
                double lr = o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step++ / total));
                optimizer.Step(regressor.Store.Values, regressor.Store.Gradients(), lr);
            }
            if (epoch == 1 || epoch % 25 == 0 || epoch == o.Epochs) progress?.Report($"epoch {epoch}/{o.Epochs}: train loss {lossSum / train.Length:F4} (standardised)");
        }
        using var _ = GradMode.NoGrad();
        var all = Enumerable.Range(0, accuracies.Count).ToArray();
        var result = new double[all.Length];
        for (int start = 0; start < all.Length; start += 64)
        {
            var idx = all.Skip(start).Take(64).ToArray();
            regressor.Store.NewPass();
            var p = regressor.Predict(idx, training: false, rng).Value.ToArray();
            for (int k = 0; k < idx.Length; k++) result[idx[k]] = p[k] * std + mean;
        }
        return result;
    }
}
