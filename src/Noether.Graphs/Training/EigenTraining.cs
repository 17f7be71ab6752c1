using System.Diagnostics;
using Noether.Graphs.Data;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Training;

/// <summary>Optimisation settings of <see cref="EigenTraining"/>.</summary>
public sealed record EigenTrainingOptions
{
    /// <summary>Passes over the training split.</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Graphs per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Peak Adam learning rate (cosine decay to zero).</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Seed of initialisation, shuffling and sign-flip augmentation.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>One epoch's figures, for progress output.</summary>
public readonly record struct EigenEpoch(int Epoch, int Epochs, double TrainLoss, double ValidationMae);

/// <summary>The outcome of a run: MAEs in target units, of the parameters with the best validation MAE.</summary>
public sealed record EigenResult(string Target, double TestMae, double ValidationMae, int BestEpoch, int EpochsRun,
    int ParameterCount, double Seconds, bool Cancelled, double BaselineTestMae);

/// <summary>
/// Trains a <see cref="GraphRegressor"/> on one target: L1 loss on standardised targets, Adam (Noether.Nn) with a
/// cosine schedule, model selection on validation MAE, test MAE reported in the target's units. Eigendecompositions
/// are computed once per graph.
/// </summary>
public static class EigenTraining
{
    /// <summary>Runs training; <paramref name="progress"/> is called after every epoch.</summary>
    public static EigenResult Run(GraphDataset data, string target, GraphRegressorOptions model, EigenTrainingOptions options,
        Action<EigenEpoch>? progress = null, CancellationToken cancel = default)
    {
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0))
            throw new ArgumentException($"EigenTraining: epochs {options.Epochs}, batch size {options.BatchSize} and learning rate {options.LearningRate} must be positive");
        var clock = Stopwatch.StartNew();
        int column = data.TargetIndex(target);
        var spectra = new Dictionary<GraphSample, GraphSpectrum>(ReferenceEqualityComparer.Instance);
        bool needSpectra = model.Encoding != Encodings.PositionalEncodingKind.None;
        if (needSpectra)
            foreach (var g in data.Train.Concat(data.Validation).Concat(data.Test))
            {
                cancel.ThrowIfCancellationRequested();
                spectra[g] = GraphSpectrum.Of(g);
            }
        var trainY = data.Train.Select(g => g.Targets[column]).ToArray();
        double mean = trainY.Average(), std = Math.Sqrt(trainY.Select(y => (y - mean) * (y - mean)).Average());
        if (!(std > 0)) std = 1;
        double median = trainY.OrderBy(y => y).ElementAt(trainY.Length / 2);
        double baseline = data.Test.Average(g => Math.Abs(g.Targets[column] - median));

        var rng = new Rng(options.Seed);
        var store = new ParameterStore(rng.Fork());
        var net = new GraphRegressor(store, model, data.Train[0].NodeFeatureCount, data.Train[0].EdgeFeatureCount, 1);
        var optimizer = new Adam<double>();
        var schedule = LearningRateSchedule.Cosine(options.LearningRate);
        var shuffle = rng.Fork(); var augment = rng.Fork();
        int stepsPerEpoch = (data.Train.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * options.Epochs, step = 0;
        double bestValidation = double.PositiveInfinity; int bestEpoch = 0, epochsRun = 0;
        var best = store.Snapshot();
        bool cancelled = false;
        for (int epoch = 1; epoch <= options.Epochs && !cancelled; epoch++)
        {
            var order = shuffle.Permutation(data.Train.Count);
            double lossSum = 0;
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                if (cancel.IsCancellationRequested) { cancelled = true; break; }
                var graphs = order.Skip(s * options.BatchSize).Take(options.BatchSize).Select(i => data.Train[i]).ToList();
                var (batch, spectral) = Batch(graphs, spectra, model, needSpectra);
                var y = Standardised(batch, column, mean, std);
                store.ZeroGrad();
                var loss = Ops.Mean(Ops.Abs(net.Forward(batch, spectral, augment) - y));
                loss.Backward();
                optimizer.Step(store.Values(), store.Gradients(), schedule.At(step++, totalSteps));
                lossSum += loss.Value.ToScalar();
            }
            if (cancelled) break;
            epochsRun = epoch;
            double validation = Mae(net, data.Validation, spectra, model, needSpectra, column, mean, std, options.BatchSize);
            if (validation < bestValidation) { bestValidation = validation; bestEpoch = epoch; best = store.Snapshot(); }
            progress?.Invoke(new EigenEpoch(epoch, options.Epochs, lossSum / stepsPerEpoch, validation));
        }
        store.Restore(best);
        double test = Mae(net, data.Test, spectra, model, needSpectra, column, mean, std, options.BatchSize);
        return new EigenResult(data.TargetNames[column], test, bestValidation, bestEpoch, epochsRun, store.Count,
            clock.Elapsed.TotalSeconds, cancelled, baseline);
    }

    /// <summary>Mean absolute error in target units over a split.</summary>
    public static double Mae(GraphRegressor net, IReadOnlyList<GraphSample> graphs, IReadOnlyDictionary<GraphSample, GraphSpectrum> spectra,
        GraphRegressorOptions model, bool needSpectra, int column, double mean, double std, int batchSize)
    {
        using var _ = GradMode.NoGrad();
        double sum = 0;
        for (int s = 0; s < graphs.Count; s += batchSize)
        {
            var part = graphs.Skip(s).Take(batchSize).ToList();
            var (batch, spectral) = Batch(part, spectra, model, needSpectra);
            var predicted = net.Forward(batch, spectral).Value.Span;
            for (int g = 0; g < part.Count; g++) sum += Math.Abs(predicted[g] * std + mean - part[g].Targets[column]);
        }
        return sum / graphs.Count;
    }

    private static (GraphBatch, SpectralBatch?) Batch(List<GraphSample> graphs, IReadOnlyDictionary<GraphSample, GraphSpectrum> spectra,
        GraphRegressorOptions model, bool needSpectra)
    {
        var batch = GraphBatch.Create(graphs);
        return (batch, needSpectra ? new SpectralBatch(batch, graphs.Select(g => spectra[g]).ToList(), model.Eigenvectors) : null);
    }

    private static V Standardised(GraphBatch batch, int column, double mean, double std)
    {
        var y = new double[batch.GraphCount];
        for (int g = 0; g < y.Length; g++) y[g] = (batch.Graphs[g].Targets[column] - mean) / std;
        return V.Constant(new Tensor<double>(y, y.Length, 1));
    }
}
