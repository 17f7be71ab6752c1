using Noether.Alignment.Matching;
using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Alignment.Stitching;

/// <summary>How a stitching layer is trained.</summary>
public sealed record StitchOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>At most this many training samples (the first ones); 0 trains nothing (the initial map is evaluated).</summary>
    public int MaxTrainSamples { get; init; } = 10_000;

    /// <summary>
    /// Start from the identity map (a model stitched to itself then starts at zero penalty). Otherwise affine-family maps
    /// start at random and relaxed permutations (G_ReLU, perm) at the activation-matching permutation.
    /// </summary>
    public bool IdentityInit { get; init; }

    /// <summary>
    /// Start a relaxed permutation at the activation-matching permutation (default); false starts it near uniform
    /// (small random logits), so the permutation must be found by training through the Sinkhorn relaxation.
    /// </summary>
    public bool MatchingInit { get; init; } = true;

    /// <summary>Weight of the penalty Σ P(1 − P)/c pushing a relaxed permutation toward a permutation.</summary>
    public double PermutationPenalty { get; init; } = 0.1;

    /// <summary>Sinkhorn temperature of a relaxed permutation at the first step.</summary>
    public double InitialTemperature { get; init; } = 1.0;

    /// <summary>
    /// Sinkhorn temperature at the last step: τ is annealed geometrically from <see cref="InitialTemperature"/>, so the
    /// relaxation trained on ends close to the permutation it is rounded to.
    /// </summary>
    public double FinalTemperature { get; init; } = 0.1;

    /// <summary>
    /// Passes over the training data after rounding: the G_ReLU diagonal is trained further with the rounded
    /// permutation fixed (0: none; a pure permutation has nothing left to train).
    /// </summary>
    public int FineTuneEpochs { get; init; } = 1;

    /// <summary>Seed of initialisation and shuffling.</summary>
    public ulong Seed { get; init; }

    /// <summary>Names of the models in errors.</summary>
    public string NameA { get; init; } = "A";

    /// <summary>Names of the models in errors.</summary>
    public string NameB { get; init; } = "B";
}

/// <summary>The outcome of stitching A's layer into B.</summary>
/// <param name="Layer">The cut.</param>
/// <param name="Class">The stitching class.</param>
/// <param name="AccuracyA">Test accuracy of A.</param>
/// <param name="AccuracyB">Test accuracy of B.</param>
/// <param name="AccuracyStitched">Test accuracy of A's layers ≤ L, the map, B's layers &gt; L.</param>
/// <param name="TrainLoss">Mean training loss of the last epoch (NaN when nothing was trained).</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Matrix">The map's matrix M at evaluation (y = M·x + b on channels), c × c.</param>
public sealed record StitchResult(string Layer, StitchClass Class, double AccuracyA, double AccuracyB, double AccuracyStitched, double TrainLoss, long Steps, Tensor<double> Matrix)
{
    /// <summary>Stitching penalty: mean accuracy of A and B minus the stitched accuracy.</summary>
    public double Penalty => (AccuracyA + AccuracyB) / 2 - AccuracyStitched;

    /// <summary>
    /// G_ReLU and perm: test accuracy of the relaxed (doubly stochastic) map at the end of training, before rounding;
    /// NaN for the other classes.
    /// </summary>
    public double AccuracyRelaxed { get; init; } = double.NaN;

    /// <summary>
    /// G_ReLU and perm: test accuracy right after Hungarian rounding, before the diagonal fine-tune (equal to
    /// <see cref="AccuracyStitched"/> without one); NaN for the other classes.
    /// </summary>
    public double AccuracyRounded { get; init; } = double.NaN;
}

/// <summary>
/// Model stitching (Bansal et al. 2021; Godfrey et al. 2022, SPEC §1): freeze two trained models of one architecture, cut
/// both at a hidden value L, feed A's features at L through a trainable map of a chosen class into B's layers after L,
/// train the map alone on cross-entropy, and report the stitched accuracy and the stitching penalty.
/// </summary>
public static class Stitcher
{
    /// <summary>Trains a <paramref name="cls"/> map from A's <paramref name="layer"/> into B and evaluates it on <paramref name="test"/>.</summary>
    /// <exception cref="ArgumentException">Different architectures, an unknown layer, or layers of different shapes (named with both models).</exception>
    public static StitchResult Stitch(Model<double> a, Model<double> b, string layer, StitchClass cls, Dataset train, Dataset test,
        StitchOptions? options = null, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(cls);
        options ??= new StitchOptions();
        ArchitectureCheck.RequireSame(a, b, options.NameA, options.NameB);
        int channels = CheckLayer(a, b, layer, options);
        var map = new StitchLayer(cls, channels, options.IdentityInit, new Rng(options.Seed ^ 0x5717C4), options.PermutationPenalty);
        if (cls.Kind is StitchKind.GRelu or StitchKind.Permutation && !options.IdentityInit && options.MatchingInit) InitialiseByMatching(a, b, layer, map, train, cancel);
        var frozenB = b.Parameters.ToDictionary(p => p.Key, p => Variable<double>.Constant(p.Value, p.Key));
        var data = options.MaxTrainSamples < train.Count ? train.Subset(Enumerable.Range(0, options.MaxTrainSamples)) : train;
        int batches = (data.Count + options.BatchSize - 1) / options.BatchSize;
        bool fineTune = cls.Kind == StitchKind.GRelu && options.FineTuneEpochs > 0;
        long main = options.MaxTrainSamples == 0 ? 0 : (long)options.Epochs * batches;
        long total = main + (fineTune && main > 0 ? (long)options.FineTuneEpochs * batches : 0);
        var phase = new Phase(a, b, frozenB, layer, map, data, options, total, progress, cancel);
        double lastLoss = phase.Run(options.Epochs, rounded: false, main);
        double relaxed = double.NaN, rounded = double.NaN;
        if (map.IsRelaxed)
        {
            relaxed = Evaluate(a, b, frozenB, layer, map, test, rounded: false, cancel);
            rounded = Evaluate(a, b, frozenB, layer, map, test, rounded: true, cancel);
        }
        if (fineTune && main > 0) lastLoss = phase.Run(options.FineTuneEpochs, rounded: true, main);
        double accA = Trainer.Evaluate(a, test, cancel: cancel).Accuracy;
        double accB = ReferenceEquals(a, b) ? accA : Trainer.Evaluate(b, test, cancel: cancel).Accuracy;
        double stitched = map.IsRelaxed && !(fineTune && main > 0) ? rounded : Evaluate(a, b, frozenB, layer, map, test, rounded: true, cancel);
        progress?.Report(1);
        return new StitchResult(layer, cls, accA, accB, stitched, lastLoss, phase.Steps, map.EvaluationMatrix())
        {
            AccuracyRelaxed = relaxed, AccuracyRounded = rounded,
        };
    }

    /// <summary>
    /// The optimisation loop, shared by the relaxed phase (Sinkhorn temperature annealed geometrically over its steps)
    /// and the fine-tune after rounding (gradients then reach the G_ReLU diagonal only: the permutation is a constant).
    /// </summary>
    private sealed class Phase(Model<double> a, Model<double> b, Dictionary<string, Variable<double>> frozenB, string layer,
        StitchLayer map, Dataset data, StitchOptions options, long total, IProgress<double>? progress, CancellationToken cancel)
    {
        private readonly Adam<double> optimizer = new();

        public long Steps { get; private set; }

        /// <summary>Trains for <paramref name="epochs"/> passes; returns the mean loss of the last (NaN if none).</summary>
        public double Run(int epochs, bool rounded, long relaxedSteps)
        {
            double lastLoss = double.NaN;
            if (total == 0) return lastLoss;
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                double sum = 0; int seen = 0;
                ulong shuffle = options.Seed + (ulong)epoch + (rounded ? 0x9E37UL : 0);
                foreach (var (x, y) in new DataLoader(data, options.BatchSize, shuffle: true, new Rng(shuffle)).Epoch<double>())
                {
                    cancel.ThrowIfCancellationRequested();
                    if (!rounded) map.Temperature = Anneal(options, relaxedSteps, Steps);
                    var vars = map.Parameters.ToDictionary(p => p.Key, p => Variable<double>.Parameter(p.Value, p.Key));
                    var (m, bias, penalty) = map.Build(vars, rounded);
                    var loss = Losses.CrossEntropy(Stitched(a, b, frozenB, layer, x, m, bias), y);
                    var objective = penalty is null ? loss : Ops.Add(loss, penalty);
                    objective.Backward();
                    var grads = vars.Where(v => v.Value.Grad is not null).ToDictionary(v => v.Key, v => v.Value.Grad!);
                    optimizer.Step(map.Parameters.Where(p => grads.ContainsKey(p.Key)).ToDictionary(p => p.Key, p => p.Value), grads, options.LearningRate);
                    map.Project();
                    sum += loss.Value.ToScalar() * y.Length; seen += y.Length;
                    Steps++;
                    progress?.Report(0.9 * Steps / total);
                }
                lastLoss = sum / Math.Max(1, seen);
            }
            return lastLoss;
        }
    }

    /// <summary>Geometric interpolation from the initial to the final temperature over <paramref name="steps"/> steps.</summary>
    internal static double Anneal(StitchOptions o, long steps, long step)
    {
        double f = steps <= 1 ? 1 : Math.Min(1, (double)step / (steps - 1));
        return o.InitialTemperature * Math.Pow(o.FinalTemperature / o.InitialTemperature, f);
    }

    /// <summary>
    /// Starts a relaxed permutation at the activation-matching permutation (Hungarian on the correlation of A's and B's
    /// units over up to 1,024 training samples) and, for G_ReLU, each scale at the ratio of the matched units' spreads.
    /// </summary>
    private static void InitialiseByMatching(Model<double> a, Model<double> b, string layer, StitchLayer map, Dataset train, CancellationToken cancel)
    {
        int c = map.Channels;
        var acc = new CorrelationAccumulator(c);
        var data = train.Count > 1024 ? train.Subset(Enumerable.Range(0, 1024)) : train;
        var sa = new double[c]; var sb = new double[c];
        using (GradMode.NoGrad())
            foreach (var (x, _) in new DataLoader(data, 256, shuffle: false, new Rng(0)).Epoch<double>())
            {
                cancel.ThrowIfCancellationRequested();
                var (ua, ub) = (Units(Executor.Forward(a, [x], training: false).Values[layer].Value, c), Units(Executor.Forward(b, [x], training: false).Values[layer].Value, c));
                acc.Add(ua, ub);
                var (xa, xb) = (ua.ToArray(), ub.ToArray());
                int m = ua.Dim(1);
                for (int i = 0; i < c; i++)
                    for (int k = 0; k < m; k++) { sa[i] += xa[i * m + k] * xa[i * m + k]; sb[i] += xb[i * m + k] * xb[i * m + k]; }
            }
        var perm = LinearAssignment.Solve<double>(acc.Correlation(), c, c, maximize: true).RowToColumn; // A's unit i ↔ B's unit perm[i]
        var logits = map.Parameters["logits"];
        logits.CopyFrom(Tensor<double>.Zeros(c, c));
        for (int i = 0; i < c; i++) logits[perm[i], i] = 10;
        if (map.Parameters.TryGetValue("scale", out var scale))
            for (int i = 0; i < c; i++)
            {
                double ratio = sa[i] > 0 && sb[perm[i]] > 0 ? Math.Sqrt(sb[perm[i]] / sa[i]) : 1;
                scale[i] = Math.Log(Math.Max(Math.Exp(Math.Min(ratio, 30)) - 1, 1e-12)); // softplus⁻¹
            }
    }

    /// <summary>Features as [channels, samples·positions].</summary>
    private static Tensor<double> Units(Tensor<double> t, int c)
    {
        int axis = t.Rank == 4 ? 1 : t.Rank - 1;
        return t.Permute([axis, .. Enumerable.Range(0, t.Rank).Where(i => i != axis)]).Contiguous().Reshape(c, -1);
    }

    /// <summary>Accuracy of the stitched network with the map at evaluation (relaxed permutations rounded unless <paramref name="rounded"/> is false).</summary>
    private static double Evaluate(Model<double> a, Model<double> b, Dictionary<string, Variable<double>> frozenB, string layer, StitchLayer map, Dataset test,
        bool rounded, CancellationToken cancel)
    {
        using var _ = GradMode.NoGrad();
        var (m, bias, _) = map.Build(map.Parameters.ToDictionary(p => p.Key, p => Variable<double>.Constant(p.Value)), rounded);
        int correct = 0;
        foreach (var (x, y) in new DataLoader(test, 256, shuffle: false, new Rng(0)).Epoch<double>())
        {
            cancel.ThrowIfCancellationRequested();
            var pred = Stitched(a, b, frozenB, layer, x, m, bias).Value.ArgMax(-1);
            for (int i = 0; i < y.Length; i++) if (pred[i] == y[i]) correct++;
        }
        return (double)correct / Math.Max(1, test.Count);
    }

    /// <summary>B's logits with its value at <paramref name="layer"/> replaced by the map of A's.</summary>
    private static Variable<double> Stitched(Model<double> a, Model<double> b, Dictionary<string, Variable<double>> frozenB, string layer,
        Tensor<double> x, Variable<double> m, Variable<double>? bias)
    {
        Tensor<double> h;
        using (GradMode.NoGrad()) h = Executor.Forward(a, [x], training: false).Values[layer].Value;
        var mapped = StitchLayer.Apply(Variable<double>.Constant(h), m, bias);
        return Executor.Forward(b, [Variable<double>.Constant(x)], training: false, parameterOverrides: frozenB,
            valueOverrides: new Dictionary<string, Variable<double>> { [layer] = mapped }).Outputs[0];
    }

    /// <summary>The layer's channel count, after checking it exists in both models with one shape.</summary>
    private static int CheckLayer(Model<double> a, Model<double> b, string layer, StitchOptions options)
    {
        var ga = a.Graph; var gb = b.Graph;
        if (ga.Producer(layer) is null || gb.Producer(layer) is null)
        {
            var (name, g) = ga.Producer(layer) is null ? (options.NameA, ga) : (options.NameB, gb);
            var hidden = Similarity.RepresentationLayers.Of(g).Select(l => l.Value);
            throw new ArgumentException($"Unknown layer '{layer}' in model {name} ('{g.Name}'); its hidden layers are {string.Join(", ", hidden)}");
        }
        var sa = ga.ShapeOf(layer); var sb = gb.ShapeOf(layer);
        if (!sa.SequenceEqual(sb))
            throw new ShapeMismatchException($"stitching {options.NameA} to {options.NameB} at '{layer}'", "the layer's shapes differ", sa, sb);
        if (ga.Outputs.Contains(layer)) throw new ArgumentException($"Cannot stitch at '{layer}': it is an output of {options.NameA}, not a hidden layer");
        return Similarity.RepresentationLayers.ChannelsOf(sa);
    }
}
