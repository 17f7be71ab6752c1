using Noether.Graphs.Data;
using Noether.Graphs.Encodings;
using Noether.Graphs.Training;

namespace Noether.Graphs.Tests;

public class TrainingTests
{
    [Theory]
    [InlineData("cycles", GraphLayerKind.Gin, PositionalEncodingKind.Spe)]
    [InlineData("molecules", GraphLayerKind.GatedGcn, PositionalEncodingKind.SignNet)]
    public void ShortRunsBeatTheMedianPredictor(string task, GraphLayerKind layer, PositionalEncodingKind kind)
    {
        var full = task == "cycles" ? CycleGraphs.Create(160, 40, 40) : MoleculeGraphs.Load(maxTrain: 160, maxAtoms: 30);
        var data = full with { Validation = full.Validation.Take(40).ToList(), Test = full.Test.Take(60).ToList() };
        var epochs = new List<EigenEpoch>();
        var r = EigenTraining.Run(data, task == "cycles" ? "cycle4" : "tpsa", new GraphRegressorOptions { Layer = layer, Encoding = kind, Eigenvectors = 6, Width = 16, Layers = 2, EncoderWidth = 8, EncodingDimension = 8 },
            new EigenTrainingOptions { Epochs = 6, BatchSize = 16, Seed = 3 }, epochs.Add);
        Assert.Equal(6, epochs.Count);
        Assert.True(r.TestMae < 0.8 * r.BaselineTestMae, $"test MAE {r.TestMae:F3} vs median predictor {r.BaselineTestMae:F3}");
        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss);
    }

    [Fact]
    public void CancellationStopsAndStillReportsTheBestParameters()
    {
        var data = CycleGraphs.Create(64, 16, 16);
        using var cts = new CancellationTokenSource();
        var r = EigenTraining.Run(data, "cycle3", new GraphRegressorOptions { Width = 8, Layers = 1 },
            new EigenTrainingOptions { Epochs = 50, BatchSize = 16 }, e => { if (e.Epoch == 2) cts.Cancel(); }, cts.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(2, r.EpochsRun);
        Assert.True(double.IsFinite(r.TestMae));
    }
}
