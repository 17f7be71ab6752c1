using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Zoo;

namespace Noether.Nn.Tests;

public sealed class ZooRecipeTests
{
    [Fact]
    public void SmallCnnHasTheSmallCnnZoosParameterCount()
    {
        var g = ZooArchitecture.Build("small-cnn", [1, 28, 28], 10, Activation.Relu);
        Assert.Equal(4970, g.Parameters.Sum(p => p.Shape.Aggregate(1, (a, b) => a * b)));
        var withDropout = ZooArchitecture.Build("small-cnn", [1, 28, 28], 10, Activation.Relu, 0.3);
        Assert.Equal(g.Parameters.Select(p => p.Name), withDropout.Parameters.Select(p => p.Name));
        Assert.Contains(withDropout.Nodes, n => n.Op is DropoutOp);
        Assert.DoesNotContain(g.Nodes, n => n.Op is DropoutOp);
    }

    [Fact]
    public void SamplesDependOnlyOnSeedAndIndex()
    {
        var r = new ZooRecipe("small-cnn", 7);
        Assert.Equal(r.Sample(5), new ZooRecipe("small-cnn", 7).Sample(5));
        Assert.NotEqual(r.Sample(5), r.Sample(6));
        Assert.NotEqual(r.Sample(5), new ZooRecipe("small-cnn", 8).Sample(5));
        var all = Enumerable.Range(0, 400).Select(r.Sample).ToArray();
        Assert.Equal(400, all.Select(h => h.Seed).Distinct().Count());
        Assert.All(all, h =>
        {
            Assert.InRange(h.Epochs, 1, r.MaxEpochs);
            Assert.InRange(h.Dropout, 0, 0.5);
            Assert.InRange(h.InitScale, 0.3, 2.0);
            Assert.Contains(h.TrainFraction, new[] { 0.1, 0.25, 0.5, 1.0 });
            Assert.Equal(h, ZooHyperparameters.FromMetadata(h.ToMetadata()));
            Assert.Equal(h.Epochs, h.CheckpointEpochs[^1]);
        });
        // Every setting actually varies over the zoo.
        Assert.Equal(2, all.Select(h => h.Optimizer).Distinct().Count());
        Assert.Equal(3, all.Select(h => h.Activation).Distinct().Count());
        Assert.Equal(4, all.Select(h => h.TrainFraction).Distinct().Count());
        Assert.True(all.Count(h => h.Dropout == 0) is > 150 and < 250);
    }

    [Fact]
    public void RefusesUnknownRecipesAndBadRanges()
    {
        Assert.Contains("Known: small-cnn, mlp", Assert.Throws<ArgumentException>(() => new ZooRecipe("resnet").Sample(0)).Message);
        Assert.Throws<ArgumentException>(() => new ZooRecipe("mlp", MaxEpochs: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZooRecipe("mlp").Sample(-1));
        Assert.Contains("missing 'seed'", Assert.Throws<FormatException>(() => ZooHyperparameters.FromMetadata(new Dictionary<string, string>(new ZooRecipe("mlp").Sample(0).ToMetadata().Where(kv => kv.Key != "seed")))).Message);
    }

    [Fact]
    public void TrainingIsDeterministicAndCheckpointsTheSampledEpochs()
    {
        var (train, test) = Datasets.Digits();
        var recipe = new ZooRecipe("small-cnn", 3, MaxEpochs: 4);
        int index = Enumerable.Range(0, 50).First(i => recipe.Sample(i).Epochs >= 3 && recipe.Sample(i).Dropout > 0);
        var a = ZooTraining.Train(recipe, index, train, test);
        var b = ZooTraining.Train(recipe, index, train, test);
        Assert.False(a.Diverged);
        Assert.Equal(a.Hyperparameters.CheckpointEpochs, a.Checkpoints.Select(c => c.Epoch));
        for (int c = 0; c < a.Checkpoints.Count; c++)
        {
            Assert.Equal(a.Checkpoints[c].TestAccuracy, b.Checkpoints[c].TestAccuracy);
            foreach (var (name, t) in a.Checkpoints[c].Model.Parameters)
                Assert.Equal(t.ToArray(), b.Checkpoints[c].Model[name].ToArray());
            Assert.DoesNotContain(a.Checkpoints[c].Model.Graph.Nodes, n => n.Op is DropoutOp);
        }
        // Checkpoints are snapshots, not views of the final weights.
        Assert.NotEqual(a.Checkpoints[0].Model["conv1.weight"].ToArray(), a.Checkpoints[^1].Model["conv1.weight"].ToArray());
        // Another index is another model.
        var other = ZooTraining.Train(recipe, index + 1, train, test);
        Assert.NotEqual(a.Checkpoints[0].Model["conv1.weight"].ToArray(), other.Checkpoints[0].Model["conv1.weight"].ToArray());
    }

    [Fact]
    public void TrainsAnMlpZooModelAboveChance()
    {
        var (train, test) = Datasets.Digits();
        var recipe = new ZooRecipe("mlp", 0, MaxEpochs: 8);
        int index = Enumerable.Range(0, 50).First(i => recipe.Sample(i) is { Epochs: >= 6, TrainFraction: >= 0.5, Optimizer: "adam" });
        var run = ZooTraining.Train(recipe, index, train, test);
        Assert.True(run.Checkpoints[^1].TestAccuracy > 0.5, $"accuracy {run.Checkpoints[^1].TestAccuracy}");
    }
}
