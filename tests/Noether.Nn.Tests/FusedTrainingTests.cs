using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Nn.Tests;

/// <summary>
/// The fused optimizer steps against the unfused TensorPrimitives sequence they replace, and the executor's
/// Linear → ReLU fusion against the unfused graph (outputs and float64 finite-difference gradients).
/// </summary>
public class FusedTrainingTests
{
    /// <summary>The SGD update as it was before fusion: one TensorPrimitives call per term, with temporaries.</summary>
    private static void ReferenceSgd(double[] p, double[] g, double[]? v, bool first, double lr, double wd, double mu, bool nesterov)
    {
        var d = (double[])g.Clone();
        if (wd != 0) TP.MultiplyAdd(p, wd, d, d);
        if (mu != 0)
        {
            if (first) d.CopyTo(v!, 0); else TP.MultiplyAdd(v!, mu, d, v!);
            if (nesterov) TP.MultiplyAdd(v!, mu, d, d); else v!.CopyTo(d, 0);
        }
        TP.MultiplyAdd(d, -lr, p, p);
    }

    [Theory]
    [InlineData(1, 0.0, 0.0, false)]
    [InlineData(7, 0.0, 1e-2, false)]
    [InlineData(8, 0.9, 0.0, false)]
    [InlineData(9, 0.9, 5e-4, false)]
    [InlineData(33, 0.9, 5e-4, true)]
    [InlineData(131, 0.5, 0.0, true)]
    public void FusedSgdEqualsTheUnfusedSequence(int length, double mu, double wd, bool nesterov)
    {
        var r = new Rng((ulong)length);
        double[] Draw() => Enumerable.Range(0, length).Select(_ => r.NextNormal()).ToArray();
        var p = Draw(); var pRef = (double[])p.Clone();
        var v = new double[length]; var vRef = new double[length];
        const double lr = 0.05;
        for (int step = 0; step < 3; step++)
        {
            var g = Draw();
            if (mu == 0) FusedSteps.Sgd<double>(p, g, lr, wd);
            else FusedSteps.SgdMomentum<double>(p, g, v, lr, wd, mu, nesterov, first: step == 0);
            ReferenceSgd(pRef, g, mu == 0 ? null : vRef, step == 0, lr, wd, mu, nesterov);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(pRef[i], p[i]); // bit-identical: ModelBatch reproduces the sequential arithmetic
                Assert.Equal(vRef[i], v[i]);
            }
        }
    }

    [Fact]
    public void FusedSgdInFloat32CoversTheVectorTail()
    {
        // 8 floats per Vector256: lengths 17 leave a tail of 1 that must update too.
        var p = Enumerable.Range(0, 17).Select(i => (float)i).ToArray();
        var g = Enumerable.Repeat(1f, 17).ToArray();
        FusedSteps.Sgd<float>(p, g, 0.5f, 0f);
        for (int i = 0; i < 17; i++) Assert.Equal(i - 0.5f, p[i]);
        Assert.Throws<ArgumentException>(() => FusedSteps.Sgd<float>(p, new float[3], 0.1f, 0f));
    }

    [Fact]
    public void SgdOptimizerMatchesPyTorchMomentumConvention()
    {
        // Two steps by hand: v1 = g1, p1 = p0 − lr·v1; v2 = μ·v1 + g2, p2 = p1 − lr·v2.
        var p = Tensor<double>.FromArray([1.0, -2.0]);
        var opt = new Sgd<double>(momentum: 0.9);
        opt.Step(new Dictionary<string, Tensor<double>> { ["w"] = p }, new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([0.5, 1.0]) }, 0.1);
        opt.Step(new Dictionary<string, Tensor<double>> { ["w"] = p }, new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.FromArray([0.5, 1.0]) }, 0.1);
        Assert.Equal(1.0 - 0.05 - 0.1 * 0.95, p[0], 1e-15);
        Assert.Equal(-2.0 - 0.1 - 0.1 * 1.9, p[1], 1e-15);
    }

    [Fact]
    public void FusedLinearReluGraphEqualsTheUnfusedGraph()
    {
        var graph = Builders.Mlp(11, [9, 13], 5);
        var chains = FusionPlan.For(graph, inference: false).Chains.Values;
        Assert.Equal(3, chains.Count());
        Assert.Equal(2, chains.Count(c => c.Relu is not null));
        var model = Model<double>.Initialize(graph, new Rng(4));
        var x = Tensor<double>.RandomNormal(new Rng(5), 6, 11);
        int[] labels = [0, 1, 2, 3, 4, 0];
        (double Loss, Dictionary<string, double[]> Grads, ForwardPass<double> Pass) Run(bool fuse)
        {
            var pass = Executor.Forward(model, [x], training: true, rng: null, fuse: fuse);
            var loss = Losses.CrossEntropy(pass.Outputs[0], labels, fused: fuse);
            loss.Backward();
            return (loss.Value.ToScalar(), pass.Parameters.ToDictionary(p => p.Key, p => p.Value.Grad!.ToArray()), pass);
        }
        var plain = Run(false); var fused = Run(true);
        Assert.Equal(plain.Loss, fused.Loss, 1e-12);
        foreach (var (name, g) in plain.Grads)
            for (int i = 0; i < g.Length; i++) Assert.Equal(g[i], fused.Grads[name][i], 1e-12);
        // The fused Linear's pre-activation is not materialised; the unfused pass keeps every value.
        Assert.True(plain.Pass.Values.Count > fused.Pass.Values.Count);
    }

    [Fact]
    public void FusedGraphMatchesFiniteDifferences()
    {
        var graph = Builders.Mlp(4, [6, 5], 3);
        var model = Model<double>.Initialize(graph, new Rng(8));
        var names = graph.Parameters.Select(p => p.Name).ToArray();
        var x = Variable<double>.Constant(Tensor<double>.RandomNormal(new Rng(9), 5, 4));
        int[] labels = [0, 2, 1, 1, 0];
        var r = GradCheck.Run(v =>
        {
            var overrides = names.Select((n, i) => (n, v[i])).ToDictionary(t => t.n, t => t.Item2);
            var pass = Executor.Forward(model, [x], training: true, rng: null, overrides, fuse: true);
            return Losses.CrossEntropy(pass.Outputs[0], labels, fused: true);
        }, names.Select(n => model[n].Clone()).ToArray());
        Assert.True(r.MaxRelativeError <= 1e-6, $"max relative error {r.MaxRelativeError:E3} at input {r.Worst.Input} element {r.Worst.Element}");
    }

    [Fact]
    public void FusedTrainerMatchesTheUnfusedTrainerUpToRounding()
    {
        var (train, _) = Noether.Nn.Data.Datasets.Digits();
        var data = train.WithSampleShape(64);
        Model<float> Fit(bool fused)
        {
            var m = Model<float>.Initialize(Builders.Mlp(64, [32], 10), new Rng(3));
            Trainer.Fit(m, data, null, new Sgd<float>(momentum: 0.9), new TrainOptions(1, 32, LearningRateSchedule.Constant(0.05), 3) { MaxSteps = 10, EvaluateEachEpoch = false, Fused = fused });
            return m;
        }
        var a = Fit(false); var b = Fit(true);
        double d = a.Parameters.Max(p => p.Value.ToArray().Zip(b[p.Key].ToArray()).Max(z => Math.Abs(z.First - z.Second)));
        Assert.True(d < 1e-4, $"max |Δw| {d:E2}");
        Assert.True(a.Parameters.Max(p => p.Value.ToArray().Zip(Model<float>.Initialize(Builders.Mlp(64, [32], 10), new Rng(3))[p.Key].ToArray()).Max(z => Math.Abs(z.First - z.Second))) > 1e-3);
    }

    [Fact]
    public void ALinearReadTwiceIsNotFused()
    {
        var b = new GraphBuilder("two_readers");
        var x = b.Input("input", 3);
        var h = b.Linear(x, 4, "fc");
        var a = b.Activation(h, Activation.Relu, "act");
        var graph = b.Build(b.Residual(a, h, "sum"));
        // The Linear still runs as one node, but the ReLU stays apart: the Add reads the pre-activation too.
        foreach (var inference in new[] { false, true })
        {
            var chain = Assert.Single(FusionPlan.For(graph, inference).Chains.Values);
            Assert.Null(chain.Relu);
            Assert.Equal("fc", chain.Last.Name);
        }
    }
}

/// <summary>Inference fusion: Conv2d → BatchNorm (→ ReLU) folded and residual Add → ReLU, against the unfused graph.</summary>
public class FusedInferenceTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void ResNetPredictionsEqualTheUnfusedGraph(int width)
    {
        var graph = Builders.ResNet20([3, 12, 12], 5, width, blocksPerStage: 1);
        var model = Model<double>.Initialize(graph, new Rng(21));
        var rng = new Rng(22);
        foreach (var p in graph.Parameters.Where(p => p.Name.Contains("bn") || p.Name.Contains("shortcut.1")))
        {
            var s = model[p.Name].Span;
            for (int i = 0; i < s.Length; i++) s[i] = p.Name.EndsWith("running_var") ? 0.3 + rng.NextDouble() : 0.5 * rng.NextNormal();
        }
        var plan = FusionPlan.For(graph, inference: true);
        Assert.Contains(plan.Chains.Values, c => c.Norm is not null && c.Relu is not null);
        Assert.Contains(plan.Chains.Values, c => c.Head.Op is AddOp);
        Assert.DoesNotContain(FusionPlan.For(graph, inference: false).Chains.Values, c => c.Norm is not null || c.Head.Op is AddOp);
        var x = Tensor<double>.RandomNormal(new Rng(23), 3, 3, 12, 12);
        var fused = model.Predict(x)[0].ToArray();
        double[] plain;
        using (GradMode.NoGrad()) plain = Executor.Forward(model, [x], training: false).Outputs[0].Value.ToArray();
        Assert.True(plain.Select(Math.Abs).Max() > 1e-3, "logits too small to compare");
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], fused[i], 1e-10);
    }

    [Fact]
    public void FoldedBatchNormEqualsConvolutionThenNormalisation()
    {
        var rng = new Rng(30);
        var w = Tensor<double>.RandomNormal(rng, 5, 3, 3, 3); var b = Tensor<double>.RandomNormal(rng, 5);
        var gamma = Tensor<double>.RandomNormal(rng, 5); var beta = Tensor<double>.RandomNormal(rng, 5);
        var mean = Tensor<double>.RandomNormal(rng, 5); var variance = Tensor<double>.RandomNormal(rng, 5).Abs() + 0.1;
        var x = Tensor<double>.RandomNormal(rng, 2, 3, 7, 6);
        var opts = Conv2dOptions.Square(1, 1);
        var (fw, fb) = FusedKernels.FoldBatchNorm(w, b, gamma, beta, mean, variance, 1e-5);
        var y = Convolution.Conv2d(x, w, b, opts);
        var expected = (y - mean.Reshape(1, 5, 1, 1)) / (variance.Reshape(1, 5, 1, 1) + 1e-5).Sqrt() * gamma.Reshape(1, 5, 1, 1) + beta.Reshape(1, 5, 1, 1);
        Assert.True(Convolution.Conv2d(x, fw, fb, opts).MaxAbsDiff(expected) < 1e-12);
    }
}
