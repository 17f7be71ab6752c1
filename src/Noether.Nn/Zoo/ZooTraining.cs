using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Zoo;

/// <summary>One checkpoint of a zoo run: the model (graph without dropout) after <see cref="Epoch"/> epochs.</summary>
public sealed record ZooCheckpoint(int Epoch, Model<float> Model, double TestAccuracy, double TestLoss);

/// <summary>The outcome of training one zoo model: its checkpoints, or none when the loss diverged.</summary>
/// <param name="Index">Model index within the zoo.</param>
/// <param name="Hyperparameters">The sampled settings.</param>
/// <param name="Checkpoints">Checkpoints in epoch order (empty when diverged).</param>
/// <param name="Diverged">The training loss became NaN or infinite; the reason is in <see cref="Failure"/>.</param>
/// <param name="Failure">Why the run diverged, or null.</param>
public sealed record ZooRun(int Index, ZooHyperparameters Hyperparameters, IReadOnlyList<ZooCheckpoint> Checkpoints, bool Diverged, string? Failure);

/// <summary>Trains one zoo model from its sampled settings, single-threaded (zoos run one model per core).</summary>
public static class ZooTraining
{
    /// <summary>
    /// Trains model <paramref name="index"/> of <paramref name="recipe"/> on <paramref name="train"/> and evaluates each
    /// checkpoint on <paramref name="test"/>. Deterministic: the same recipe, index and data give bit-identical weights
    /// in any process, shard or thread. The kernels run on one thread inside.
    /// </summary>
    public static ZooRun Train(ZooRecipe recipe, int index, Dataset train, Dataset test, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var hp = recipe.Sample(index);
        using var _ = Parallelism.Limit(1);
        var act = Activation.Parse(hp.Activation);
        var image = train.SampleShape.Length == 3 ? train.SampleShape : throw new ShapeMismatchException($"zoo recipe '{recipe.Name}'", "expects image samples [C, H, W]", train.SampleShape);
        var keep = ZooArchitecture.Build(recipe.Name, image, train.Classes, act);
        var fit = ZooArchitecture.Build(recipe.Name, image, train.Classes, act, hp.Dropout);
        if (recipe.Name == "mlp") { int n = Shapes.Size(image); train = train.WithSampleShape(n); test = test.WithSampleShape(n); }

        var model = Model<float>.Initialize(fit, new Rng(hp.Seed));
        foreach (var p in fit.Parameters)
            if (model[p.Name].Rank >= 2)
                System.Numerics.Tensors.TensorPrimitives.Multiply(model[p.Name].Span, (float)hp.InitScale, model[p.Name].Span);
        var subsetRng = new Rng(hp.Seed ^ 0xD47A_F4AC_7104UL);
        int count = Math.Max(hp.BatchSize, (int)Math.Ceiling(hp.TrainFraction * train.Count));
        var subset = train.Subset(subsetRng.Permutation(train.Count).Take(Math.Min(count, train.Count)).OrderBy(i => i));
        Optimizer<float> optimizer = hp.Optimizer == "sgd"
            ? new Sgd<float>(momentum: 0.9, weightDecay: hp.L2)
            : new Adam<float>(weightDecay: hp.L2, decoupledWeightDecay: false);
        var options = new TrainOptions(hp.Epochs, hp.BatchSize, LearningRateSchedule.Cosine(hp.LearningRate), hp.Seed) { EvaluateEachEpoch = false };
        int perEpoch = new DataLoader(subset, hp.BatchSize, shuffle: false, new Rng(0)).BatchesPerEpoch;
        var wanted = hp.CheckpointEpochs.ToHashSet();
        var snapshots = new List<(int Epoch, Model<float> Model)>();
        try
        {
            Trainer.Fit(model, subset, null, optimizer, options, cancel: cancel, onStep: s =>
            {
                if (s.Step % perEpoch == 0 && wanted.Contains(s.Epoch))
                    snapshots.Add((s.Epoch, new Model<float>(keep, s.Model.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value.Clone()))));
            });
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Training diverged", StringComparison.Ordinal))
        {
            return new ZooRun(index, hp, [], true, e.Message);
        }
        var checkpoints = snapshots.Select(s =>
        {
            var ev = Trainer.Evaluate(s.Model, test, 256, cancel);
            return new ZooCheckpoint(s.Epoch, s.Model, ev.Accuracy, ev.Loss);
        }).ToArray();
        return new ZooRun(index, hp, checkpoints, false, null);
    }
}
