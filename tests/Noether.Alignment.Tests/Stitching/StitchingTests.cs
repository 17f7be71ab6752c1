using Noether.Alignment.Stitching;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Tests.Stitching;

/// <summary>Two small trained models on digits, shared by the stitching tests (about a second of training in all).</summary>
public sealed class StitchModels
{
    public StitchModels()
    {
        (Train, Test) = Datasets.Digits();
        Train = Train.WithSampleShape(64); Test = Test.WithSampleShape(64);
        A = Trained(1); B = Trained(2);
    }

    public Dataset Train { get; }
    public Dataset Test { get; }
    public Model<double> A { get; }
    public Model<double> B { get; }

    private Model<double> Trained(ulong seed)
    {
        var m = Model<double>.Initialize(Builders.Mlp(64, [16, 12], 10), new Rng(seed));
        Trainer.Fit(m, Train, null, new Adam<double>(), new TrainOptions(20, 32, LearningRateSchedule.Constant(3e-3), seed) { EvaluateEachEpoch = false });
        return m;
    }
}

/// <summary>Stitching: zero penalty for a model stitched to itself, classes that keep their constraints, clear errors.</summary>
public class StitchingTests(StitchModels models) : IClassFixture<StitchModels>
{
    private static readonly StitchOptions Short = new() { MaxTrainSamples = 256, BatchSize = 32, LearningRate = 1e-3 };

    [Theory]
    [InlineData("affine")]
    [InlineData("grelu")]
    [InlineData("perm")]
    [InlineData("orthogonal")]
    [InlineData("l1:0.0001")]
    public void AModelStitchedToItselfFromTheIdentityHasNoPenalty(string cls)
    {
        Assert.True(Trainer.Evaluate(models.A, models.Test).Accuracy > 0.8, "the fixture model did not learn");
        var untrained = Stitcher.Stitch(models.A, models.A, "layers.1", StitchClass.Parse(cls), models.Train, models.Test, Short with { IdentityInit = true, MaxTrainSamples = 0 });
        Assert.True(untrained.Penalty == 0, $"{cls}: penalty {untrained.Penalty:P2} at the identity");
        var r = Stitcher.Stitch(models.A, models.A, "layers.1", StitchClass.Parse(cls), models.Train, models.Test, Short with { IdentityInit = true });
        Assert.True(r.Steps > 0);
        // Training may move an unconstrained map off the identity: the extra layer then trains this small, not fully
        // converged model a little further (about one test point of 360 either way); rounded classes stay exact.
        double allowed = cls is "grelu" or "perm" ? 0.001 : 0.02;
        Assert.True(Math.Abs(r.Penalty) <= allowed, $"{cls}: penalty {r.Penalty:P2} (A {r.AccuracyA:P2}, stitched {r.AccuracyStitched:P2})");
    }

    [Fact]
    public void ARandomMapStitchedWithoutTrainingIsPenalised()
    {
        // The test above must be able to fail: an untrained random affine map loses accuracy.
        var r = Stitcher.Stitch(models.A, models.A, "layers.1", StitchClass.Parse("affine"), models.Train, models.Test, Short with { MaxTrainSamples = 0 });
        Assert.Equal(0, r.Steps);
        Assert.True(r.Penalty > 0.1, $"penalty {r.Penalty:P2}");
    }

    [Fact]
    public void ClassesKeepTheirConstraints()
    {
        var o = Short with { Seed = 5, LearningRate = 1e-2 };
        var perm = Stitcher.Stitch(models.A, models.B, "layers.1", StitchClass.Parse("perm"), models.Train, models.Test, o).Matrix;
        AssertMonomial(perm, onesOnly: true);
        var grelu = Stitcher.Stitch(models.A, models.B, "layers.3", StitchClass.Parse("grelu"), models.Train, models.Test, o).Matrix;
        AssertMonomial(grelu, onesOnly: false);
        var orth = Stitcher.Stitch(models.A, models.B, "layers.1", StitchClass.Parse("orthogonal"), models.Train, models.Test, o).Matrix;
        Assert.True(orth.Transpose().MatMul(orth).MaxAbsDiff(Tensor<double>.Eye(16)) < 1e-9);
        var low = Stitcher.Stitch(models.A, models.B, "layers.1", StitchClass.Parse("lowrank:2"), models.Train, models.Test, o);
        var s = Linalg.Svd(low.Matrix).S.ToArray();
        Assert.True(s[1] > 1e-6 && s[2] < 1e-9 * s[0], $"singular values {string.Join(", ", s.Take(4))}");
        Assert.True(low.AccuracyStitched < low.AccuracyA, "rank 2 cannot carry a 16-unit layer");
    }

    /// <summary>One non-zero entry per row and column, all ≥ 0 (and all 1 for a permutation).</summary>
    private static void AssertMonomial(Tensor<double> m, bool onesOnly)
    {
        int c = m.Dim(0);
        for (int i = 0; i < c; i++)
        {
            var row = Enumerable.Range(0, c).Select(j => m[i, j]).ToArray();
            var col = Enumerable.Range(0, c).Select(j => m[j, i]).ToArray();
            Assert.Equal(1, row.Count(v => v != 0));
            Assert.Equal(1, col.Count(v => v != 0));
            Assert.All(row, v => Assert.True(v >= 0, $"entry {v} < 0"));
            if (onesOnly) Assert.All(row, v => Assert.True(v == 0 || v == 1));
        }
    }

    [Fact]
    public void BadCutsAndClassesAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => Stitcher.Stitch(models.A, models.B, "layers.7", new StitchClass(StitchKind.Affine), models.Train, models.Test, Short with { NameA = "a.onnx", NameB = "b.onnx" }));
        Assert.Contains("'layers.7'", e.Message);
        Assert.Contains("a.onnx", e.Message);
        var wide = Model<double>.Initialize(Builders.Mlp(64, [20, 12], 10), new Rng(1));
        e = Assert.Throws<ArgumentException>(() => Stitcher.Stitch(models.A, wide, "layers.1", new StitchClass(StitchKind.Affine), models.Train, models.Test, Short with { NameA = "a.onnx", NameB = "wide.onnx" }));
        Assert.Contains("a.onnx", e.Message);
        Assert.Contains("wide.onnx", e.Message);
        Assert.Contains("[16, 64]", e.Message);
        Assert.Contains("[20, 64]", e.Message);
        Assert.Contains("lowrank:R", Assert.Throws<ArgumentException>(() => StitchClass.Parse("lowrank:0")).Message);
        Assert.Equal(new StitchClass(StitchKind.L1, Lambda: 0.01), StitchClass.Parse("l1:0.01"));
        Assert.Equal("lowrank:4", StitchClass.Parse("LowRank:4").ToString());
    }

    [Fact]
    public void ReplacingAValueWithItselfKeepsTheOutputAndReplacingItOtherwiseDoesNot()
    {
        var x = Tensor<double>.RandomNormal(new Rng(1), 5, 64);
        var plain = Executor.Forward(models.B, [x], training: false);
        var same = Executor.Forward(models.B, [Noether.Tensors.Autodiff.Variable<double>.Constant(x)], training: false,
            valueOverrides: new Dictionary<string, Noether.Tensors.Autodiff.Variable<double>> { ["layers.1"] = plain.Values["layers.1"] });
        Assert.Equal(0, plain.Outputs[0].Value.MaxAbsDiff(same.Outputs[0].Value));
        Assert.False(same.Values.ContainsKey("layers.0"), "a node only the replaced value needed was run");
        var zero = Executor.Forward(models.B, [Noether.Tensors.Autodiff.Variable<double>.Constant(x)], training: false,
            valueOverrides: new Dictionary<string, Noether.Tensors.Autodiff.Variable<double>> { ["layers.1"] = Noether.Tensors.Autodiff.Variable<double>.Constant(Tensor<double>.Zeros(5, 16)) });
        Assert.True(plain.Outputs[0].Value.MaxAbsDiff(zero.Outputs[0].Value) > 1e-3);
    }
}

/// <summary>G_ReLU stitching between a network and its own P·D-transformed copy: the true map is in the class.</summary>
public class GReluRecoveryTests(StitchModels models) : IClassFixture<StitchModels>
{
    private Model<double> Copy(ulong seed)
    {
        var spec = Noether.Symmetry.Derivation.SymmetryDeriver.Derive(models.A.Graph);
        return Noether.Symmetry.Actions.GroupAction.Apply(models.A, spec, spec.Random(new Rng(seed)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GReluStitchingToAPDCopyRecoversTheMapWithNoPenalty(bool matchingInit)
    {
        var b = Copy(7);
        var x = Tensor<double>.RandomNormal(new Rng(3), 4, 64);
        var ha = Executor.Forward(models.A, [x], training: false).Values["layers.1"].Value;
        var hb = Executor.Forward(b, [x], training: false).Values["layers.1"].Value;
        Assert.True(ha.MaxAbsDiff(hb) > 1e-2, "the copy's hidden units should be permuted and rescaled");
        var options = new StitchOptions
        {
            MatchingInit = matchingInit, Epochs = matchingInit ? 1 : 4, MaxTrainSamples = matchingInit ? 256 : 2000, BatchSize = 32,
            LearningRate = matchingInit ? 1e-3 : 5e-2, Seed = 11,
        };
        var r = Stitcher.Stitch(models.A, b, "layers.1", StitchClass.Parse("grelu"), models.Train, models.Test, options);
        Assert.Equal(r.AccuracyA, r.AccuracyB);
        // A trained diagonal may end a little off D (it is fitted on training data): a few of 360 test points either way.
        Assert.True(Math.Abs(r.Penalty) <= 0.01, $"match {matchingInit}: penalty {r.Penalty:P2} (relaxed {r.AccuracyRelaxed:P2}, rounded {r.AccuracyRounded:P2}, stitched {r.AccuracyStitched:P2})");
        // From the matching start the recovered permutation is the true one: M·h_A has B's pattern of active units on every
        // sample. (From a near-uniform start training may swap two nearly interchangeable units; only the penalty is checked.)
        if (!matchingInit) return;
        var (mapped, expected) = (ha.MatMul(r.Matrix.Transpose()).ToArray(), hb.ToArray());
        for (int i = 0; i < mapped.Length; i++)
            Assert.True(mapped[i] > 0 == expected[i] > 0, $"match {matchingInit}: unit pattern differs at {i}");
    }

    [Fact]
    public void ARandomPermutationOfTheCopyIsPenalised()
    {
        // The recovery test must be able to fail: perm (no diagonal) at a random, untrained start loses accuracy.
        var r = Stitcher.Stitch(models.A, Copy(7), "layers.1", StitchClass.Parse("perm"), models.Train, models.Test,
            new StitchOptions { MatchingInit = false, MaxTrainSamples = 0 });
        Assert.True(r.Penalty > 0.1, $"penalty {r.Penalty:P2}");
    }
}
