using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Symmetry.Conservation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>
/// Must-show 5: symmetries of the data. Blank pixels of the digits set leave their first-layer weights unchanged to the
/// last bit; flip-augmented data keep a flip-invariant first layer invariant, because the gradient is flip-equivariant.
/// </summary>
public class DataSymmetryTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void BlankPixelWeightsNeverMove(string optimizer)
    {
        var train = Digits();
        var graph = Builders.Mlp(64, [32], 10);
        var family = DataLaws.ConstantInputs(graph, train, out var why);
        Assert.NotNull(family);
        var blank = DataLaws.ConstantCoordinates(train);
        Assert.Contains(blank, b => b.Index == 0 && b.Value == 0); // the top-left corner of every digit is empty
        Assert.All(blank, b => Assert.Equal(0, b.Value));
        var model = Model<float>.Initialize(graph, new Rng(1));
        var before = model["layers.0.weight"].Clone();
        var lawsBefore = family!.Evaluate(model.Cast<double>().Parameters);
        Optimizer<float> opt = optimizer == "sgd" ? new Sgd<float>(momentum: 0.9) : new Adam<float>();
        Trainer.Fit(model, train, null, opt, new TrainOptions(8, 64, LearningRateSchedule.Constant(optimizer == "sgd" ? 0.05 : 2e-3), 3) { EvaluateEachEpoch = false });
        var after = model["layers.0.weight"];
        var lawsAfter = family.Evaluate(model.Cast<double>().Parameters);
        Assert.Equal(lawsBefore, lawsAfter); // bit for bit
        int moved = 0;
        for (int p = 0; p < 64; p++)
        {
            bool isBlank = blank.Any(b => b.Index == p);
            for (int r = 0; r < 32; r++)
            {
                if (isBlank) Assert.Equal(before[r, p], after[r, p]);
                else if (before[r, p] != after[r, p]) moved++;
            }
        }
        Assert.True(moved > 32 * (64 - blank.Count) / 2, $"only {moved} weights of used pixels moved");
    }

    [Fact]
    public void WeightDecayShrinksBlankPixelWeights()
    {
        // The other way: with weight decay the law is W ← (1 − ηλ)W per step, no longer constant.
        var train = Digits();
        var graph = Builders.Mlp(64, [16], 10);
        var model = Model<double>.Initialize(graph, new Rng(2));
        double w0 = model["layers.0.weight"][3, 0];
        Trainer.Fit(model, train.Subset(Enumerable.Range(0, 64)), null, new Sgd<double>(weightDecay: 0.1), new TrainOptions(1, 64, LearningRateSchedule.Constant(0.1)) { EvaluateEachEpoch = false });
        Assert.Equal(w0 * (1 - 0.1 * 0.1), model["layers.0.weight"][3, 0], 15);
    }

    [Fact]
    public void TheGradientIsFlipEquivariantOnFlipClosedData()
    {
        var data = FlipClosed(40);
        var graph = Builders.Mlp(64, [12], 10);
        var model = Models.Randomised(graph, 3);
        var flipped = model.WithParameters(new Dictionary<string, Tensor<double>> { ["layers.0.weight"] = FlipColumns(model["layers.0.weight"]) });
        var (x, y) = data.Batch<double>(Enumerable.Range(0, data.Count).ToArray());
        var g = Training.Gradient(model, x, y).Gradient["layers.0.weight"];
        var gFlipped = Training.Gradient(flipped, x, y).Gradient["layers.0.weight"];
        double diff = gFlipped.MaxAbsDiff(FlipColumns(g)), scale = g.Abs().Max();
        Assert.True(diff <= 1e-12 * scale, $"∇L(W₁T) − ∇L(W₁)T = {diff:E2} (scale {scale:E2})");
        // The other way: on data that is not flip-closed the gradient is not equivariant.
        var (x1, y1) = Digits().Batch<double>(Enumerable.Range(0, 40).ToArray());
        double broken = Training.Gradient(flipped, x1, y1).Gradient["layers.0.weight"].MaxAbsDiff(FlipColumns(Training.Gradient(model, x1, y1).Gradient["layers.0.weight"]));
        Assert.True(broken > 1e-4 * scale);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FlipAugmentedTrainingKeepsAFlipInvariantFirstLayer(bool augmented)
    {
        var data = augmented ? FlipClosed(60) : Digits().Subset(Enumerable.Range(0, 120));
        var graph = Builders.Mlp(64, [16], 10);
        var model = Model<double>.Initialize(graph, new Rng(4));
        var w = model["layers.0.weight"];
        w.CopyFrom((w + FlipColumns(w)) * 0.5);
        Assert.Equal(0, w.MaxAbsDiff(FlipColumns(w)));
        Trainer.Fit(model, data, null, new Sgd<double>(momentum: 0.9), new TrainOptions(30, data.Count, LearningRateSchedule.Constant(0.05)) { EvaluateEachEpoch = false });
        w = model["layers.0.weight"];
        double asym = w.MaxAbsDiff(FlipColumns(w)) / w.Abs().Max();
        if (augmented) Assert.True(asym <= 1e-12, $"flip-augmented: ‖W₁ − W₁T‖∞/‖W₁‖∞ = {asym:E2}");
        else Assert.True(asym > 1e-4, $"without augmentation the invariance should break, got {asym:E2}");
    }

    /// <summary>The first <paramref name="n"/> digits and their horizontal mirror images, same labels.</summary>
    internal static Dataset FlipClosed(int n)
    {
        var (x, y) = Digits().Batch<float>(Enumerable.Range(0, n).ToArray());
        var src = x.ToArray();
        var features = new float[2 * n * 64];
        src.CopyTo(features, 0);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < 64; p++) features[(n + i) * 64 + Mirror(p)] = src[i * 64 + p];
        return new Dataset("digits+flips", features, [64], [.. y, .. y], 10);
    }

    /// <summary>The digits training set as flat 64-pixel samples.</summary>
    internal static Dataset Digits() => Datasets.Digits().Train.WithSampleShape(64);

    private static int Mirror(int p) => p / 8 * 8 + (7 - p % 8);

    /// <summary>W·T: column p of the result is column mirror(p) of W.</summary>
    private static Tensor<double> FlipColumns(Tensor<double> w)
    {
        var r = new Tensor<double>(w.ShapeArray());
        for (int i = 0; i < w.Dim(0); i++)
            for (int p = 0; p < 64; p++) r[i, p] = w[i, Mirror(p)];
        return r;
    }
}
