using System.Diagnostics;
using System.Numerics;
using Noether.Nn.Data;
using Noether.Tensors;

namespace Noether.Nn.Training;

/// <summary>
/// K models of one MLP architecture (Linear layers and elementwise activations) trained together in one process,
/// the weight-space analogue of <c>vmap</c>: their weights are stacked ([K, out, in]) and every step runs each layer
/// for all models at once, spread over the cores. Model k is exactly what sequential training with seed k would start
/// from and see: initialised by <c>Model.Initialize(graph, new Rng(seed_k))</c>, shuffled by the
/// <see cref="DataLoader"/> of <see cref="Trainer.Fit"/> with that seed, updated by its own optimiser.
/// </summary>
public sealed class ModelBatch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly StackedPlan _plan;
    private readonly StackedParameters<T> _params;
    private readonly Dictionary<int, StackedPass<T>> _passes = new();

    /// <summary>Initialises one model per seed, as <c>Model&lt;T&gt;.Initialize(graph, new Rng(seed))</c> would.</summary>
    /// <exception cref="NotSupportedException">The graph holds a node other than Linear or an elementwise activation, or is not a chain.</exception>
    public ModelBatch(Graph graph, IReadOnlyList<ulong> seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) throw new ArgumentException("ModelBatch needs at least one seed");
        _plan = StackedPlan.Of(graph);
        Graph = graph;
        Seeds = seeds.ToArray();
        _params = new StackedParameters<T>(_plan, Seeds.Select(s => Model<T>.Initialize(graph, new Rng(s))).ToArray());
    }

    /// <summary>The shared architecture.</summary>
    public Graph Graph { get; }
    /// <summary>Per model, its seed (initialisation and data order).</summary>
    public IReadOnlyList<ulong> Seeds { get; }
    /// <summary>Number of models K.</summary>
    public int Count => Seeds.Count;

    /// <summary>Model k's parameters by name: views of the stacked storage (writes change the batch).</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Parameters(int k) => _params.Parameters[Check(k)];

    /// <summary>Model k's gradients from the last step or <see cref="ComputeGradients"/>, by parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Gradients(int k) => _params.Gradients[Check(k)];

    /// <summary>Model k as an ordinary model, with its own copy of the weights.</summary>
    public Model<T> Extract(int k) => new(Graph, _params.Parameters[Check(k)].ToDictionary(p => p.Key, p => p.Value.Clone()));

    /// <summary>Every model as an ordinary model, in seed order.</summary>
    public IReadOnlyList<Model<T>> ExtractAll() => Enumerable.Range(0, Count).Select(Extract).ToArray();

    /// <summary>
    /// Runs forward, loss and backward for every model on its own batch (all of one size), leaving the gradients in
    /// <see cref="Gradients"/>, without updating any weight.
    /// </summary>
    /// <returns>Per model, its mean cross-entropy.</returns>
    public double[] ComputeGradients(IReadOnlyList<(Tensor<T> X, int[] Y)> batches, StackedKernel kernel = StackedKernel.SmallGemm)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count != Count) throw new ArgumentException($"ModelBatch of {Count} models got {batches.Count} batches");
        int rows = batches[0].Y.Length;
        var pass = Pass(rows);
        for (int k = 0; k < Count; k++)
        {
            var (x, y) = batches[k];
            if (!x.Shape.SequenceEqual([rows, _plan.Inputs]) || y.Length != rows)
                throw new ShapeMismatchException($"ModelBatch batch {k}", $"needs inputs [{rows}, {_plan.Inputs}] and {rows} labels", x.ShapeArray(), [y.Length]);
            x.Contiguous().Span.CopyTo(pass.X.AsSpan(k * rows * _plan.Inputs));
            y.CopyTo(pass.Labels.AsSpan(k * rows));
        }
        pass.Run(0, Count, kernel);
        return pass.Losses.Select(l => double.CreateTruncating(l)).ToArray();
    }

    /// <summary>
    /// Trains every model for the same steps with the stacked <paramref name="optimizer"/> (each model's state its own,
    /// the updates those of <see cref="StackedOptimizer.ForOneModel{T}"/> per model, run over the stacked arrays).
    /// </summary>
    /// <exception cref="InvalidOperationException">A model's loss is not finite (the message names the model and its seed).</exception>
    public IReadOnlyList<ModelBatchEpoch> Fit(Dataset train, StackedOptimizer optimizer, ModelBatchOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = new StackedOptimizerState<T>(_params.Slots.Select(s => s.Values.Length).ToArray());
        return Fit(train, options, progress, cancel, (lo, hi, lr, steps) =>
        {
            var rate = T.CreateChecked(lr);
            for (int s = 0; s < _params.Slots.Count; s++)
            {
                var (values, grads, size) = _params.Slots[s];
                optimizer.Update(state, s, values.AsSpan(lo * size, (hi - lo) * size), grads.AsSpan(lo * size, (hi - lo) * size), lo * size, rate, steps);
            }
        });
    }

    /// <summary>
    /// Trains every model for the same steps. <paramref name="optimizer"/> makes model k's optimiser (called once per
    /// model per run, so state is never shared); the learning-rate schedule is shared. Any optimiser works; the
    /// <see cref="StackedOptimizer"/> overload is faster.
    /// </summary>
    /// <exception cref="InvalidOperationException">A model's loss is not finite (the message names the model and its seed).</exception>
    public IReadOnlyList<ModelBatchEpoch> Fit(Dataset train, Func<int, Optimizer<T>> optimizer, ModelBatchOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var optimizers = Enumerable.Range(0, Count).Select(optimizer).ToArray();
        return Fit(train, options, progress, cancel, (lo, hi, lr, _) =>
        {
            for (int k = lo; k < hi; k++) optimizers[k].Step(_params.Parameters[k], _params.Gradients[k], lr);
        });
    }

    private IReadOnlyList<ModelBatchEpoch> Fit(Dataset train, ModelBatchOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancel,
        Action<int, int, double, long> update)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (!train.SampleShape.SequenceEqual([_plan.Inputs]) || train.Classes != _plan.Outputs)
            throw new ShapeMismatchException($"ModelBatch '{Graph.Name}' on data set '{train.Name}'",
                $"the model maps [{_plan.Inputs}] to {_plan.Outputs} logits; the data has {train.Classes} classes", [_plan.Inputs], train.SampleShape);
        if (options.BatchSize < 1) throw new ArgumentException($"Batch size must be positive, got {options.BatchSize}");
        if (options.Epochs < 0) throw new ArgumentException($"Epochs must not be negative, got {options.Epochs}");
        var rngs = Seeds.Select(s => new Rng(s)).ToArray();
        int ranges = Math.Min(Count, options.Threads > 0 ? options.Threads : Environment.ProcessorCount);
        int perEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        long total = (long)options.Epochs * perEpoch, step = 0;
        if (options.MaxSteps is long max) total = Math.Min(total, max);
        var orders = new int[Count][];
        var history = new List<ModelBatchEpoch>();
        for (int epoch = 1; epoch <= options.Epochs && step < total; epoch++)
        {
            var sw = Stopwatch.StartNew();
            var lossSum = new double[Count];
            int seen = 0;
            for (int k = 0; k < Count; k++)
            {
                orders[k] = Enumerable.Range(0, train.Count).ToArray();
                rngs[k].Shuffle(orders[k].AsSpan());
            }
            for (int batch = 0; batch < perEpoch && step < total; batch++)
            {
                cancel.ThrowIfCancellationRequested();
                int start = batch * options.BatchSize, rows = Math.Min(options.BatchSize, train.Count - start);
                double lr = options.LearningRate.At(step++, total);
                long taken = step;
                var pass = Pass(rows);
                RunRanges(ranges, c =>
                {
                    var (lo, hi) = Range(c, ranges);
                    for (int k = lo; k < hi; k++)
                        train.GatherInto<T>(orders[k].AsSpan(start, rows), pass.X.AsSpan(k * rows * _plan.Inputs, rows * _plan.Inputs), pass.Labels.AsSpan(k * rows, rows));
                    pass.Run(lo, hi, options.Kernel);
                    for (int k = lo; k < hi; k++)
                    {
                        double loss = double.CreateTruncating(pass.Losses[k]);
                        if (!double.IsFinite(loss))
                            throw new InvalidOperationException($"Training diverged: model {k} (seed {Seeds[k]}) has loss {loss} at epoch {epoch}, batch {batch + 1} (step {step}, learning rate {lr})");
                    }
                    update(lo, hi, lr, taken);
                });
                double mean = 0;
                for (int k = 0; k < Count; k++) { double l = double.CreateTruncating(pass.Losses[k]); lossSum[k] += l * rows; mean += l / Count; }
                seen += rows;
                progress?.Report(new TrainingProgress(epoch, batch + 1, perEpoch, mean, lr));
            }
            history.Add(new ModelBatchEpoch(epoch, lossSum.Select(s => s / Math.Max(1, seen)).ToArray(), sw.Elapsed.TotalSeconds));
        }
        return history;
    }

    private int Check(int k) => (uint)k < (uint)Count ? k : throw new ArgumentOutOfRangeException(nameof(k), $"model {k} outside [0, {Count})");

    private (int Lo, int Hi) Range(int c, int ranges) => ((int)((long)Count * c / ranges), (int)((long)Count * (c + 1) / ranges));

    private StackedPass<T> Pass(int rows)
    {
        if (!_passes.TryGetValue(rows, out var pass)) _passes[rows] = pass = new StackedPass<T>(_plan, _params, rows);
        return pass;
    }

    private static void RunRanges(int ranges, Action<int> body)
    {
        if (ranges == 1) { body(0); return; }
        try { Parallel.For(0, ranges, new ParallelOptions { MaxDegreeOfParallelism = ranges }, body); }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
