using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Training;
using Noether.Symmetry.Conservation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>The monitored run behind <c>noether conserve</c>: optimisers, cancellation, frozen parameters.</summary>
public class ConservationRunTests
{
    private static (Model<double> Model, Noether.Nn.Data.Dataset Data, ConservedQuantities Laws) Setup()
    {
        var data = DataSymmetryTests.Digits().Subset(Enumerable.Range(0, 256));
        var graph = Builders.Mlp(64, [16], 10);
        var laws = ConservationLaws.Derive(graph);
        return (Model<double>.Initialize(graph, new Rng(1)), data, laws);
    }

    [Fact]
    public void CancellationKeepsWhatWasMeasured()
    {
        var (model, data, laws) = Setup();
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfter(5, cts);
        var report = ConservationRun.Train(model, data, laws, new Sgd<double>(), new TrainOptions(100, 32, LearningRateSchedule.Constant(0.05)), (0, 0), progress, cts.Token);
        Assert.True(report.Cancelled);
        Assert.Equal(5, report.Steps);
        Assert.Equal(6, report.Monitor.Records);
        Assert.All(report.ClosedFormErrors!, e => Assert.True(e < 1e-9));
        Assert.NotEmpty(report.Drifts);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void OnlyAdaptiveStepsBreakLinearLaws(string optimizer)
    {
        var (model, data, laws) = Setup();
        Optimizer<double> opt = optimizer switch
        {
            "sgd" => new Sgd<double>(),
            "momentum" => new Sgd<double>(0.9),
            "nesterov" => new Sgd<double>(0.9, nesterov: true),
            "adam" => new Adam<double>(),
            _ => new Adam<double>(weightDecay: 0.01),
        };
        var report = ConservationRun.Train(model, data, laws, opt, new TrainOptions(2, 32, LearningRateSchedule.Constant(0.01)));
        var softmax = report.Drifts.Single(d => d.Kind == LawKind.SoftmaxTranslation);
        // Momentum and Nesterov only combine gradients, each orthogonal to the linear law; Adam rescales entries.
        if (optimizer is "sgd" or "momentum" or "nesterov") Assert.True(softmax.MaxRelDrift < 1e-12, $"{optimizer}: {softmax.MaxRelDrift:E2}");
        else Assert.True(softmax.MaxRelDrift > 1e-6, $"{optimizer}: {softmax.MaxRelDrift:E2}");
        var rescaling = report.Drifts.Single(d => d.Kind == LawKind.Rescaling);
        Assert.True(rescaling.MaxRelDrift > 1e-9);
        Assert.True(report.FinalLoss < report.InitialLoss);
    }

    private sealed class CancelAfter(int steps, CancellationTokenSource cts) : IProgress<TrainingProgress>
    {
        private int _seen;
        public void Report(TrainingProgress value) { if (++_seen == steps) cts.Cancel(); }
    }
}
