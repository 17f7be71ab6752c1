using Noether.Alignment.Matching;
using Noether.Alignment.Merging;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;
using Xunit.Abstractions;

namespace Noether.Alignment.Tests.Matching;

/// <summary>Alignment on trained models: barriers fall, BatchNorm reset rescues the midpoint, MergeMany beats averaging.</summary>
public class MergingTests(ITestOutputHelper output)
{
    private static (Dataset Train, Dataset Test) Digits()
    {
        var (train, test) = Datasets.Digits();
        return (train.WithSampleShape(64), test.WithSampleShape(64));
    }

    internal static Model<double> TrainMlp(ulong seed, Dataset train, int width = 64, int epochs = 12)
    {
        var model = Model<double>.Initialize(Builders.Mlp(64, [width, width], 10), new Rng(seed));
        Trainer.Fit(model, train, null, new Adam<double>(), new TrainOptions(epochs, 64, LearningRateSchedule.Constant(2e-3), seed) { EvaluateEachEpoch = false });
        return model;
    }

    [Fact]
    public void AlignmentLowersTheLossBarrierOfTwoMlps()
    {
        var (train, test) = Digits();
        var a = TrainMlp(1, train);
        var b = TrainMlp(2, train);
        var naive = LinearPath.Evaluate(a, b, test, points: 11);
        var weight = WeightMatching.Align(a, b);
        var afterWeight = LinearPath.Evaluate(a, weight.Aligned, test, points: 11);
        var activation = ActivationMatching.Align(a, b, train);
        var afterActivation = LinearPath.Evaluate(a, activation.Aligned, test, points: 11);
        output.WriteLine($"loss barrier {naive.LossBarrier:F4} → weight {afterWeight.LossBarrier:F4}, activation {afterActivation.LossBarrier:F4}");
        output.WriteLine($"accuracy barrier {naive.AccuracyBarrier:P2} → weight {afterWeight.AccuracyBarrier:P2}, activation {afterActivation.AccuracyBarrier:P2}");
        Assert.True(afterWeight.LossBarrier < 0.5 * naive.LossBarrier);
        Assert.True(afterActivation.LossBarrier < 0.5 * naive.LossBarrier);
        Assert.True(weight.DistanceAfter < weight.DistanceBefore);
        // The endpoints are the same functions: aligning moved B along its orbit only.
        Assert.Equal(naive.Points[^1].Loss, afterWeight.Points[^1].Loss, 9);
    }

    [Fact]
    public void RepairRestoresTheEndpointsStatisticsAtTheMidpoint()
    {
        var (train, test) = Digits();
        var a = TrainMlp(3, train, width: 32);
        var b = WeightMatching.Align(a, TrainMlp(4, train, width: 32)).Aligned;
        var plain = Interpolation.Lerp(a, b, 0.5);
        var repaired = Repair.Interpolate(a, b, 0.5, train);
        // Every corrected pre-activation now has the interpolated mean and standard deviation of the endpoints.
        var layers = new[] { "layers.0", "layers.2" };
        var sa = Repair.Statistics(a, train, layers); var sb = Repair.Statistics(b, train, layers);
        var sr = Repair.Statistics(repaired, train, layers); var sp = Repair.Statistics(plain, train, layers);
        double errRepaired = 0, errPlain = 0;
        foreach (var l in layers)
            for (int c = 0; c < sa[l].Std.Length; c++)
            {
                double target = 0.5 * (sa[l].Std[c] + sb[l].Std[c]);
                errRepaired = Math.Max(errRepaired, Math.Abs(sr[l].Std[c] - target) / Math.Max(1e-9, target));
                errPlain = Math.Max(errPlain, Math.Abs(sp[l].Std[c] - target) / Math.Max(1e-9, target));
            }
        output.WriteLine($"std error: plain {errPlain:E2}, repaired {errRepaired:E2}; accuracy plain {Trainer.Evaluate(plain, test).Accuracy:P2}, repaired {Trainer.Evaluate(repaired, test).Accuracy:P2}");
        Assert.True(errRepaired < 1e-6, $"{errRepaired:E2}");
        Assert.True(errPlain > 1e-2);
    }

    [Fact]
    public void ActivationMatchingRecoversAnOrbitExactly()
    {
        var (train, _) = Digits();
        var graph = Builders.Mlp(64, [16, 12], 10);
        var spec = SymmetryDeriver.Derive(graph);
        var a = OrbitRecoveryTests.Randomised(graph, 5);
        var b = GroupAction.Apply(a, spec, spec.Random(new Rng(6)));
        var r = ActivationMatching.Align(a, b, train.Subset(Enumerable.Range(0, 200)), spec: spec);
        foreach (var (name, p) in a.Parameters) Assert.True(p.MaxAbsDiff(r.Aligned[name]) <= 1e-8 * Math.Max(1, p.Abs().Max()), name);
    }

    [Fact]
    public void MergeManyBeatsTheNaiveAverage()
    {
        var (train, test) = Digits();
        var models = Enumerable.Range(0, 4).Select(i => TrainMlp((ulong)(10 + i), train, width: 48)).ToArray();
        var naive = Trainer.Evaluate(Interpolation.Average(models), test);
        var (merged, _) = MergeMany.Merge(models, rounds: 5);
        var accMerged = Trainer.Evaluate(merged, test);
        output.WriteLine($"naive average {naive.Accuracy:P2}, MergeMany {accMerged.Accuracy:P2}, endpoints {string.Join(", ", models.Select(m => Trainer.Evaluate(m, test).Accuracy.ToString("P1")))}");
        Assert.True(accMerged.Accuracy > naive.Accuracy + 0.05);
    }

    [Fact]
    public void BatchNormResetRescuesTheMidpointOfAlignedResNets()
    {
        var (train, test) = Datasets.Digits();
        var small = train.Subset(Enumerable.Range(0, 600));
        Model<double> Train(ulong seed)
        {
            var m = Model<double>.Initialize(Builders.ResNet20([1, 8, 8], 10, width: 4, blocksPerStage: 1), new Rng(seed));
            Trainer.Fit(m, small, null, new Adam<double>(), new TrainOptions(6, 32, LearningRateSchedule.Constant(3e-3), seed) { EvaluateEachEpoch = false });
            return m;
        }
        var a = Train(1);
        var b = WeightMatching.Align(a, Train(2)).Aligned;
        var mid = Interpolation.Lerp(a, b, 0.5);
        var plain = Trainer.Evaluate(mid, test);
        var reset = Trainer.Evaluate(BatchNormReset.Reset(mid, small), test);
        output.WriteLine($"midpoint accuracy {plain.Accuracy:P2} without reset, {reset.Accuracy:P2} with; endpoints {Trainer.Evaluate(a, test).Accuracy:P2}, {Trainer.Evaluate(b, test).Accuracy:P2}");
        Assert.True(reset.Accuracy > plain.Accuracy);
        Assert.True(reset.Loss < plain.Loss);
    }
}
