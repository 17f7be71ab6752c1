using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary><see cref="ModelBatch{T}"/> against K independent runs of the sequential <see cref="Trainer"/>.</summary>
public class ModelBatchTests
{
    private static readonly ulong[] Seeds = [5, 11, 12];

    private static (Dataset Train, Dataset Test) Small()
    {
        var (train, test) = Datasets.Digits();
        // 100 samples at batch 16: six full batches and a last one of 4, so both batch sizes are exercised.
        return (train.Subset(Enumerable.Range(0, 100)).WithSampleShape(64), test.WithSampleShape(64));
    }

    private static StackedOptimizer Stacked(string name) => name switch
    {
        "sgd" => StackedOptimizer.Sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        "adam" => StackedOptimizer.Adam(weightDecay: 1e-3),
        "adam-l2" => StackedOptimizer.Adam(weightDecay: 1e-3, decoupledWeightDecay: false),
        _ => throw new ArgumentException(name),
    };

    // The sequential side builds its optimiser directly, so a wrong ForOneModel mapping cannot hide a mismatch.
    private static Optimizer<float> Make(string name) => name switch
    {
        "sgd" => new Sgd<float>(momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        "adam" => new Adam<float>(weightDecay: 1e-3),
        "adam-l2" => new Adam<float>(weightDecay: 1e-3, decoupledWeightDecay: false),
        _ => throw new ArgumentException(name),
    };

    private static Graph Net(Activation? act = null) => Builders.Mlp(64, [16, 12], 10, act ?? Activation.Relu);

    private static Model<float>[] Sequential(Graph graph, Dataset train, string opt, int epochs, long? maxSteps, double lr, StackedKernel _ = default)
        => Seeds.Select(seed =>
        {
            var m = Model<float>.Initialize(graph, new Rng(seed));
            Trainer.Fit(m, train, null, Make(opt), new TrainOptions(epochs, 16, LearningRateSchedule.Cosine(lr), seed) { MaxSteps = maxSteps, EvaluateEachEpoch = false });
            return m;
        }).ToArray();

    private static IReadOnlyList<Model<float>> Together(Graph graph, Dataset train, string opt, int epochs, long? maxSteps, double lr,
        StackedKernel kernel = StackedKernel.SmallGemm, int threads = 2, bool perModelOptimizers = false)
    {
        var batch = new ModelBatch<float>(graph, Seeds);
        var options = new ModelBatchOptions(epochs, 16, LearningRateSchedule.Cosine(lr)) { MaxSteps = maxSteps, Kernel = kernel, Threads = threads };
        if (perModelOptimizers) batch.Fit(train, _ => Make(opt), options);
        else batch.Fit(train, Stacked(opt), options);
        return batch.ExtractAll();
    }

    private static double MaxDiff(Model<float> a, Model<float> b)
        => a.Parameters.Max(p => p.Value.ToArray().Zip(b[p.Key].ToArray()).Max(z => Math.Abs(z.First - z.Second)));

    [Fact]
    public void InitialWeightsAreThoseOfModelInitialize()
    {
        var graph = Net();
        var batch = new ModelBatch<float>(graph, Seeds);
        for (int k = 0; k < Seeds.Length; k++)
        {
            var alone = Model<float>.Initialize(graph, new Rng(Seeds[k]));
            Assert.Equal(0, MaxDiff(batch.Extract(k), alone));
        }
        Assert.True(MaxDiff(batch.Extract(0), batch.Extract(1)) > 0.01, "different seeds should give different models");
    }

    [Theory]
    [InlineData(StackedKernel.GemmLoop, 64)]
    [InlineData(StackedKernel.SmallGemm, 64)]
    [InlineData(StackedKernel.BatchedMatMul, 64)]
    [InlineData(StackedKernel.SmallGemm, 300)] // k > 256: the packed GEMM's k-blocks
    public void GradientsAreBitIdenticalToTheAutodiffOfEachModel(StackedKernel kernel, int inputs)
    {
        // Products above and below the GEMM's small-product threshold, widths that leave SIMD tails.
        var graph = Builders.Mlp(inputs, [16, 12], 10);
        var rng = new Rng(3);
        var data = Seeds.Select(_ => (Tensor<float>.RandomNormal(rng, [16, inputs]), Enumerable.Range(0, 16).Select(_ => rng.NextInt(10)).ToArray())).ToArray();
        var batch = new ModelBatch<float>(graph, Seeds);
        var losses = batch.ComputeGradients(data, kernel);
        for (int k = 0; k < Seeds.Length; k++)
        {
            var model = Model<float>.Initialize(graph, new Rng(Seeds[k]));
            var pass = Executor.Forward(model, [data[k].Item1], training: true);
            var loss = Losses.CrossEntropy(pass.Outputs[0], data[k].Item2);
            loss.Backward();
            Assert.Equal((double)loss.Value.ToScalar(), losses[k]);
            foreach (var (name, v) in pass.Parameters)
                Assert.True(v.Grad!.Contiguous().ToArray().AsSpan().SequenceEqual(batch.Gradients(k)[name].ToArray()), $"model {k}: gradient of {name} differs");
        }
    }

    [Theory]
    [InlineData("sgd", StackedKernel.GemmLoop)]
    [InlineData("adam", StackedKernel.GemmLoop)]
    [InlineData("adam-l2", StackedKernel.GemmLoop)]
    [InlineData("sgd", StackedKernel.BatchedMatMul)]
    [InlineData("sgd", StackedKernel.SmallGemm)]
    [InlineData("adam", StackedKernel.SmallGemm)]
    public void OneStepEqualsSequentialTraining(string opt, StackedKernel kernel)
    {
        var (train, _) = Small();
        var graph = Net();
        var seq = Sequential(graph, train, opt, 1, 1, 0.05);
        var tog = Together(graph, train, opt, 1, 1, 0.05, kernel);
        var init = Model<float>.Initialize(graph, new Rng(Seeds[0]));
        Assert.True(MaxDiff(seq[0], init) > 1e-3, "the step should move the weights");
        // Every kernel sums in the sequential trainer's order, so the weights are bit-identical (not merely within 1e-6).
        for (int k = 0; k < Seeds.Length; k++) Assert.True(MaxDiff(seq[k], tog[k]) == 0, $"model {k}: {MaxDiff(seq[k], tog[k]):E2}");
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void PerModelOptimizersGiveTheSameModels(string opt)
    {
        var (train, _) = Small();
        var graph = Net(Activation.Tanh);
        var seq = Sequential(graph, train, opt, 3, null, 0.02);
        var tog = Together(graph, train, opt, 3, null, 0.02, perModelOptimizers: true);
        for (int k = 0; k < Seeds.Length; k++) Assert.True(MaxDiff(seq[k], tog[k]) == 0, $"model {k}: {MaxDiff(seq[k], tog[k]):E2}");
    }

    [Theory]
    [InlineData("sgd", "relu", 0.1)]
    [InlineData("adam-l2", "leaky_relu(0.1)", 0.01)]
    [InlineData("adam", "relu", 0.01)]
    [InlineData("sgd", "tanh", 0.1)]
    [InlineData("adam", "gelu", 0.01)]
    public void SeveralEpochsStayCloseAndScoreTheSame(string opt, string act, double lr)
    {
        var (train, test) = Small();
        var graph = Net(Activation.Parse(act));
        var seq = Sequential(graph, train, opt, 12, null, lr);
        var tog = Together(graph, train, opt, 12, null, lr, threads: 2);
        for (int k = 0; k < Seeds.Length; k++)
        {
            Assert.True(MaxDiff(seq[k], tog[k]) == 0, $"model {k}: weights differ by {MaxDiff(seq[k], tog[k]):E2}");
            double a = Trainer.Evaluate(seq[k], test).Accuracy, b = Trainer.Evaluate(tog[k], test).Accuracy;
            Assert.Equal(a, b);
            Assert.True(a > 0.3, $"model {k} should learn something, got {a:P2}");
        }
        Assert.True(MaxDiff(tog[0], tog[1]) > 0.01);
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheResult()
    {
        var (train, _) = Small();
        var one = Together(Net(), train, "adam", 2, null, 0.01, threads: 1);
        var two = Together(Net(), train, "adam", 2, null, 0.01, threads: 3);
        for (int k = 0; k < Seeds.Length; k++) Assert.Equal(0, MaxDiff(one[k], two[k]));
    }

    [Theory]
    [InlineData("tanh", StackedKernel.SmallGemm)]
    [InlineData("relu", StackedKernel.SmallGemm)]
    [InlineData("sigmoid", StackedKernel.GemmLoop)]
    [InlineData("tanh", StackedKernel.BatchedMatMul)]
    public void BatchedGradientsPassAFloat64FiniteDifferenceCheck(string act, StackedKernel kernel)
    {
        var graph = Builders.Mlp(5, [4, 3], 3, Activation.Parse(act));
        var batch = new ModelBatch<double>(graph, [1, 2]);
        var rng = new Rng(9);
        var data = Enumerable.Range(0, 2).Select(_ => (Tensor<double>.RandomNormal(rng, [6, 5]), Enumerable.Range(0, 6).Select(_ => rng.NextInt(3)).ToArray())).ToArray();
        batch.ComputeGradients(data, kernel);
        var analytic = Enumerable.Range(0, 2).Select(k => batch.Gradients(k).ToDictionary(g => g.Key, g => g.Value.ToArray())).ToArray();
        const double h = 1e-6;
        int checkedCount = 0;
        for (int k = 0; k < 2; k++)
            foreach (var (name, p) in batch.Parameters(k))
                for (int i = 0; i < p.Length; i++)
                {
                    var span = p.Span; double keep = span[i];
                    span[i] = keep + h; double up = batch.ComputeGradients(data, kernel)[k];
                    span[i] = keep - h; double down = batch.ComputeGradients(data, kernel)[k];
                    span[i] = keep;
                    double numeric = (up - down) / (2 * h), exact = analytic[k][name][i];
                    Assert.True(Math.Abs(numeric - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"model {k} {name}[{i}]: numeric {numeric}, analytic {exact}");
                    checkedCount++;
                }
        Assert.Equal(2 * graph.TrainableParameterCount, checkedCount);
        // The other model's gradient does not move when one model's weights do.
        batch.ComputeGradients(data, kernel);
        var before = batch.Gradients(1).ToDictionary(g => g.Key, g => g.Value.ToArray());
        batch.Parameters(0)["layers.0.weight"].Span[0] += 0.5;
        batch.ComputeGradients(data, kernel);
        foreach (var (name, g) in batch.Gradients(1)) Assert.Equal(before[name], g.ToArray());
    }

    [Fact]
    public void UnsupportedGraphIsRefusedInOneLineNamingTheNode()
    {
        var e = Assert.Throws<NotSupportedException>(() => new ModelBatch<float>(Builders.Mlp(64, [16], 10, norm: "layernorm"), Seeds));
        Assert.Contains("node 'layers.1' is LayerNorm", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var cnn = Assert.Throws<NotSupportedException>(() => new ModelBatch<float>(Builders.SmallCnn([1, 8, 8], [4], 10), Seeds));
        Assert.Contains("input of shape [features]", cnn.Message);
    }

    [Fact]
    public void ExtractedModelsOwnTheirWeightsAndCancellationStops()
    {
        var (train, _) = Small();
        var batch = new ModelBatch<float>(Net(), Seeds);
        var m = batch.Extract(0);
        batch.Parameters(0)["layers.0.bias"].Span[0] = 42;
        Assert.NotEqual(42, m["layers.0.bias"].Span[0]);
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new SyncProgress(p => { if (++reports == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => batch.Fit(train, _ => new Sgd<float>(), new ModelBatchOptions(3, 16, LearningRateSchedule.Constant(0.1)), progress, cts.Token));
        Assert.Equal(2, reports);
    }

    private sealed class SyncProgress(Action<TrainingProgress> on) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => on(value);
    }
}
