using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Tests;

public class TrainingTests
{
    [Fact]
    public void MlpOnDigitsReaches97PercentTestAccuracy()
    {
        var (train, test) = Datasets.Digits();
        Assert.Equal(1437, train.Count); Assert.Equal(360, test.Count);
        var model = Model<float>.Initialize(Builders.Mlp(64, [128, 128], 10), new Rng(0));
        var history = Trainer.Fit(model, train.WithSampleShape(64), test.WithSampleShape(64), new Adam<float>(),
            new TrainOptions(Epochs: 30, BatchSize: 32, LearningRateSchedule.Cosine(2e-3), Seed: 0));
        var final = Trainer.Evaluate(model, test.WithSampleShape(64));
        Assert.True(final.Accuracy >= 0.97, $"test accuracy {final.Accuracy:P2}");
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss / 5);
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeights()
    {
        var (train, _) = Datasets.Digits();
        var small = train.Subset(Enumerable.Range(0, 256));
        float[][] Run(ulong seed)
        {
            var model = Model<float>.Initialize(Builders.SmallCnn([1, 8, 8], [4, 8], 10, hidden: 16), new Rng(seed));
            Trainer.Fit(model, small, null, new Sgd<float>(momentum: 0.9, nesterov: true, weightDecay: 1e-4), new TrainOptions(2, 32, LearningRateSchedule.Constant(0.05), seed));
            return model.Parameters.Values.Select(t => t.ToArray()).ToArray();
        }
        var a = Run(3); var b = Run(3); var c = Run(4);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"parameter {i} differs between identical runs");
        Assert.False(a.Zip(c).All(p => p.First.AsSpan().SequenceEqual(p.Second)), "a different seed should give different weights");
    }

    [Fact]
    public void BatchNormRunningStatisticsFollowTheData()
    {
        var g = Builders.Mlp(3, [4], 2, norm: "batchnorm");
        var model = Model<double>.Initialize(g, new Rng(1));
        var x = Tensor<double>.RandomNormal(new Rng(2), 5.0, 1.0, 64, 3);
        for (int i = 0; i < 200; i++)
        {
            var pass = Executor.Forward(model, [x], training: true);
            foreach (var (n, v) in pass.BufferUpdates) model[n].CopyFrom(v);
        }
        // After many identical batches the running mean equals the batch mean of the pre-norm activations.
        var pre = Executor.Forward(model, [x], training: false).Values["layers.0"].Value.Mean(0);
        Assert.True(model["layers.1.running_mean"].MaxAbsDiff(pre) < 1e-3);
    }

    [Fact]
    public void OptimizersMatchHandComputedSteps()
    {
        var p = new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([1.0, -2.0]) };
        var g = new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([0.5, 0.25]) };
        var sgd = new Sgd<double>(momentum: 0.9);
        sgd.Step(p, g, 0.1); sgd.Step(p, g, 0.1);
        // v1 = g, v2 = 0.9 g + g = 1.9 g; w = w0 − 0.1·(g + 1.9 g)
        Assert.Equal(1 - 0.1 * 2.9 * 0.5, p["w"][0], 12);
        var q = new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([1.0, -2.0]) };
        new Adam<double>().Step(q, g, 0.01);
        // The first Adam step moves every coordinate by lr·sign(g) (bias-corrected m/√v = ±1).
        Assert.Equal(1 - 0.01, q["w"][0], 6); Assert.Equal(-2 - 0.01, q["w"][1], 6);
        var r = new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([1.0, -2.0]) };
        new Adam<double>(weightDecay: 0.1).Step(r, g, 0.01);
        Assert.Equal(1 * (1 - 0.001) - 0.01, r["w"][0], 6);
    }

    [Fact]
    public void BadInputsGiveClearErrors()
    {
        var unknown = Assert.Throws<ArgumentException>(() => Datasets.Load("imagenet"));
        Assert.Contains("digits", unknown.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => Datasets.Load("fashion-mnist", "/nonexistent/dir"));
        Assert.Contains("apt-get install dataset-fashion-mnist", missing.Message);
        var (train, _) = Datasets.Digits();
        var model = Model<float>.Initialize(Builders.Mlp(64, [8], 10), new Rng(0));
        var shape = Assert.Throws<ShapeMismatchException>(() => Trainer.Evaluate(model, train));
        Assert.Contains("[64]", shape.Message); Assert.Contains("[1, 8, 8]", shape.Message);
        var bad = Path.GetTempFileName();
        File.WriteAllBytes(bad, [0, 0, 8, 3, 0, 0, 0, 9]);
        var trunc = Assert.Throws<InvalidDataException>(() => Idx.ReadBytes(bad));
        Assert.Contains(bad, trunc.Message);
        File.Delete(bad);
    }
}
