using System.Diagnostics;
using System.Numerics;
using Noether.Nn.Data;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>Settings of a training run.</summary>
public sealed record TrainOptions(int Epochs, int BatchSize, LearningRateSchedule LearningRate, ulong Seed = 0)
{
    /// <summary>Evaluate on the test set after every epoch.</summary>
    public bool EvaluateEachEpoch { get; init; } = true;

    /// <summary>Stop after this many optimisation steps (within an epoch if need be); null runs every epoch.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Parameters the optimiser leaves untouched (e.g. a LoRA base model).</summary>
    public IReadOnlySet<string>? Frozen { get; init; }

    /// <summary>
    /// Run the fused kernels (Linear with bias and ReLU in one node, softmax cross-entropy in one node). Faster, and
    /// equal to the unfused arithmetic up to float rounding (last bits), so off by default: the default trainer is
    /// bit-identical to the primitive-op graph that other code (ModelBatch) reproduces.
    /// </summary>
    public bool Fused { get; init; }
}

/// <summary>One optimisation step, as seen by an observer after the optimiser has updated the model.</summary>
/// <param name="Step">Steps taken so far (1 after the first).</param>
/// <param name="Epoch">Epoch, from 1.</param>
/// <param name="Loss">Mini-batch loss before the step.</param>
/// <param name="LearningRate">Step size used.</param>
/// <param name="Model">The model, already updated.</param>
/// <param name="Gradients">The gradients the optimiser used (trainable, unfrozen parameters); their storage is reused by
/// the next step, so copy them (<c>Clone()</c>) to keep them beyond the callback.</param>
public sealed record TrainingStep<T>(long Step, int Epoch, double Loss, double LearningRate, Model<T> Model, IReadOnlyDictionary<string, Tensor<T>> Gradients)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Progress reported after every optimisation step.</summary>
public readonly record struct TrainingProgress(int Epoch, int Batch, int BatchesPerEpoch, double Loss, double LearningRate);

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double? TestLoss, double? TestAccuracy, double Seconds);

/// <summary>Loss and accuracy on a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy, int Count);

/// <summary>Trains classification models by mini-batch gradient descent. Deterministic for a given seed.</summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> in place and returns per-epoch metrics.</summary>
    public static IReadOnlyList<EpochMetrics> Fit<T>(Model<T> model, Dataset train, Dataset? test, Optimizer<T> optimizer, TrainOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, Action<TrainingStep<T>>? onStep = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(model, train);
        var frozen = options.Frozen ?? new HashSet<string>();
        foreach (var name in frozen)
            if (!model.Parameters.ContainsKey(name)) throw new ArgumentException($"Cannot freeze '{name}': model '{model.Graph.Name}' has no such parameter");
        bool hasFrozen = model.Graph.Parameters.Any(p => Operations.FrozenWeight.Of(p.Slot) is not null);
        if (hasFrozen) Operations.FrozenWeight.Restore(model);
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, new Rng(options.Seed));
        var dropout = new Rng(options.Seed ^ 0x5EED_D20B_0A7UL);
        long total = (long)options.Epochs * loader.BatchesPerEpoch, step = 0;
        var history = new List<EpochMetrics>();
        var arena = new TensorArena();
        if (options.MaxSteps is long max) total = Math.Min(total, max);
        for (int epoch = 1; epoch <= options.Epochs && step < total; epoch++)
        {
            var sw = Stopwatch.StartNew();
            double lossSum = 0; int seen = 0, batch = 0;
            foreach (var (x, y) in loader.Epoch<T>())
            {
                if (step >= total) break;
                cancel.ThrowIfCancellationRequested();
                double lr = options.LearningRate.At(step++, total);
                // The step's tensors live in the arena until the next step; what outlives it is copied into the model.
                arena.Reset();
                double lv;
                Dictionary<string, Tensor<T>> grads;
                using (arena.Enter())
                {
                    var pass = Executor.Forward(model, [x], training: true, dropout, fuse: options.Fused);
                    var loss = Losses.CrossEntropy(pass.Outputs[0], y, fused: options.Fused);
                    lv = double.CreateTruncating(loss.Value.ToScalar());
                    if (!double.IsFinite(lv)) throw Diverged(model, x, lv, epoch, batch + 1, step, lr);
                    loss.Backward();
                    grads = pass.Parameters.Where(p => p.Value.Grad is not null && !frozen.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value.Grad!);
                    optimizer.Step(model.Parameters, grads, lr);
                    // W-asymmetric layers: weight decay and momentum must not move the frozen entries.
                    if (hasFrozen) Operations.FrozenWeight.Restore(model);
                    foreach (var (name, value) in pass.BufferUpdates) model[name].CopyFrom(value);
                }
                onStep?.Invoke(new TrainingStep<T>(step, epoch, lv, lr, model, grads));
                lossSum += lv * y.Length; seen += y.Length;
                progress?.Report(new TrainingProgress(epoch, ++batch, loader.BatchesPerEpoch, lv, lr));
            }
            Evaluation? ev = test is not null && options.EvaluateEachEpoch ? Evaluate(model, test, Math.Max(options.BatchSize, 256)) : null;
            history.Add(new EpochMetrics(epoch, lossSum / Math.Max(1, seen), ev?.Loss, ev?.Accuracy, sw.Elapsed.TotalSeconds));
        }
        return history;
    }

    /// <summary>Mean cross-entropy and accuracy in evaluation mode.</summary>
    public static Evaluation Evaluate<T>(Model<T> model, Dataset data, int batchSize = 256, CancellationToken cancel = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(model, data);
        using var _ = GradMode.NoGrad();
        double loss = 0; int correct = 0;
        foreach (var (x, y) in new DataLoader(data, batchSize, shuffle: false, new Rng(0)).Epoch<T>())
        {
            cancel.ThrowIfCancellationRequested();
            var logits = Executor.Forward(model, [x], training: false).Outputs[0];
            loss += double.CreateTruncating(Losses.CrossEntropy(logits, y).Value.ToScalar()) * y.Length;
            var pred = logits.Value.ArgMax(-1);
            for (int i = 0; i < y.Length; i++) if (pred[i] == y[i]) correct++;
        }
        return new Evaluation(loss / Math.Max(1, data.Count), (double)correct / Math.Max(1, data.Count), data.Count);
    }

    /// <summary>The error for a non-finite loss, naming the first parameter (or the input) that is not finite.</summary>
    internal static InvalidOperationException Diverged<T>(Model<T> model, Tensor<T> input, double loss, int epoch, int batch, long step, double lr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string where = $"epoch {epoch}, batch {batch} (step {step}, learning rate {lr})";
        foreach (var (name, p) in model.Parameters)
        {
            var bad = FirstNonFinite(p);
            if (bad >= 0) return new InvalidOperationException($"Training diverged: loss is {loss} at {where}; parameter '{name}' {Shapes.Format(p.ShapeArray())} holds {p.ToArray()[bad]} at flat index {bad}");
        }
        return FirstNonFinite(input) >= 0
            ? new InvalidOperationException($"Training diverged: loss is {loss} at {where}; the input batch holds non-finite values")
            : new InvalidOperationException($"Training diverged: loss is {loss} at {where}; every parameter is finite, the logits overflowed (lower the learning rate)");
    }

    private static int FirstNonFinite<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = t.ToArray();
        for (int i = 0; i < a.Length; i++) if (!T.IsFinite(a[i])) return i;
        return -1;
    }

    private static void CheckShapes<T>(Model<T> model, Dataset data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var input = model.Graph.Inputs[0];
        if (!input.Shape.SequenceEqual(data.SampleShape))
            throw new ShapeMismatchException($"Model '{model.Graph.Name}' on data set '{data.Name}'", "the model's input shape differs from the data's sample shape", input.Shape, data.SampleShape);
        var outShape = model.Graph.ShapeOf(model.Graph.Outputs[0]);
        if (outShape.Length != 1 || outShape[0] != data.Classes)
            throw new ShapeMismatchException($"Model '{model.Graph.Name}' on data set '{data.Name}'", $"the model must output {data.Classes} logits per sample", outShape, [data.Classes]);
    }
}
