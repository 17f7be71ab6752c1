using Noether.Nn.Architectures;
using Noether.Nn.Data;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Tests;

/// <summary>W-asymmetric Linear/Conv2d and FiGLU: gradients, frozen entries under every optimiser, determinism, JSON.</summary>
public class AsymmetricLayerTests
{
    private static Graph Single(string name)
    {
        var b = new GraphBuilder(name);
        ValueId v = name switch
        {
            "AsymLinear" => b.Add(new LinearOp(5, 4, Frozen: new FrozenWeights(2, 0.7, 11)), "op", b.Input("x", 5)),
            "AsymLinearNoBias" => b.Add(new LinearOp(3, 6, false, new FrozenWeights(1, 1.5, 12)), "op", b.Input("x", 2, 3)),
            "AsymConv2d" => b.Add(new Conv2dOp(2, 3, 3, 3, Conv2dOptions.Square(1, 1, 1, 1), Frozen: new FrozenWeights(5, 1, 13)), "op", b.Input("x", 2, 4, 4)),
            "FigluVector" => b.Add(new FigluOp(4, 14), "op", b.Input("x", 4)),
            "FigluImage" => b.Add(new FigluOp(3, 15, 2), "op", b.Input("x", 3, 3, 2)),
            _ => throw new ArgumentException(name),
        };
        return b.Build(v);
    }

    public static TheoryData<string> OpNames => new() { "AsymLinear", "AsymLinearNoBias", "AsymConv2d", "FigluVector", "FigluImage" };

    [Theory, MemberData(nameof(OpNames))]
    public void OpPassesFiniteDifferenceCheck(string name)
    {
        var r = ModelGradCheck.Run(Single(name), batch: 3, training: true);
        Assert.True(r.MaxRelativeError <= 1e-6, $"{name}: max relative error {r.MaxRelativeError:E3} at {r.Worst}");
    }

    [Theory, MemberData(nameof(OpNames))]
    public void OpRoundTripsThroughJson(string name)
    {
        var g = Single(name);
        var back = GraphJson.Deserialize(GraphJson.Serialize(g));
        Assert.Equal(g.Nodes[0].Op, back.Nodes[0].Op);
        var x = Tensor<double>.RandomNormal(new Rng(2), [2, .. g.Inputs[0].Shape]);
        var m = Model<double>.Initialize(g, new Rng(3));
        var m2 = new Model<double>(back, m.Parameters);
        Assert.Equal(m.Predict(x)[0].ToArray(), m2.Predict(x)[0].ToArray());
    }

    [Fact]
    public void PatternHasKDistinctEntriesPerRowAndFollowsTheSeedOnly()
    {
        var f = new FrozenWeights(7, 0.5, 99);
        var p = f.Pattern(10, 20);
        Assert.Equal(70, p.Indices.Length);
        for (int r = 0; r < 10; r++)
        {
            var row = p.Indices.Skip(7 * r).Take(7).ToArray();
            Assert.All(row, i => Assert.Equal(r, i / 20));
            Assert.Equal(7, row.Distinct().Count());
        }
        // A fresh record with the same settings (no shared cache entry is needed for equality of content).
        var q = new FrozenPattern2Probe(f).Build(10, 20);
        Assert.Equal(p.Indices, q.Indices);
        Assert.Equal(p.Values, q.Values);
        var other = new FrozenWeights(7, 0.5, 100).Pattern(10, 20);
        Assert.NotEqual(p.Indices, other.Indices);
        // κ scales the values: same mask, values × 2.
        var doubled = new FrozenWeights(7, 1.0, 99).Pattern(10, 20);
        Assert.Equal(p.Indices, doubled.Indices);
        Assert.Equal(p.Values.Select(v => 2 * v), doubled.Values);
    }

    /// <summary>Builds a pattern through a distinct (but equal) record, to show the content depends on the settings alone.</summary>
    private sealed record FrozenPattern2Probe(FrozenWeights Settings)
    {
        public FrozenPattern Build(int rows, int rowLength) => (Settings with { }).Pattern(rows, rowLength);
    }

    [Fact]
    public void FrozenEntriesGetZeroGradientAndTheForwardIgnoresTheirStoredValues()
    {
        var g = Single("AsymLinear");
        var op = (LinearOp)g.Nodes[0].Op;
        var m = Model<double>.Initialize(g, new Rng(1));
        var pattern = op.FrozenPattern!;
        Assert.True(pattern.Holds(m["op.weight"]));
        var x = Tensor<double>.RandomNormal(new Rng(4), [3, 5]);
        var pass = Executor.Forward(m, [x], training: true);
        Ops.Sum(pass.Outputs[0]).Backward();
        var grad = pass.Parameters["op.weight"].Grad!.ToArray();
        Assert.All(pattern.Indices, i => Assert.Equal(0.0, grad[i]));
        Assert.True(grad.Where((_, i) => !pattern.Indices.Contains(i)).All(v => v != 0));
        // Scribbling over the stored frozen entries does not change the function.
        var before = m.Predict(x)[0].ToArray();
        var w = m["op.weight"].Clone();
        foreach (var i in pattern.Indices) w.Span[i] = 1234;
        Assert.Equal(before, m.WithParameters(new Dictionary<string, Tensor<double>> { ["op.weight"] = w }).Predict(x)[0].ToArray());
    }

    public static TheoryData<string> Optimizers => new() { "adamw", "adam-l2", "sgd-momentum-wd" };

    [Theory, MemberData(nameof(Optimizers))]
    public void FrozenEntriesNeverChangeUnderTrainingWithWeightDecay(string optimizer)
    {
        var (train, _) = Datasets.Digits();
        var small = train.Subset(Enumerable.Range(0, 128));
        var cnn = new Asymmetry(AsymmetryKind.W, FrozenPerRow: 3, Kappa: 0.5, Seed: 5).Apply(Builders.SmallCnn([1, 8, 8], [4, 8], 10, hidden: 16));
        var model = Model<float>.Initialize(cnn, new Rng(2));
        var start = model.Clone();
        Optimizer<float> opt = optimizer switch
        {
            "adamw" => new Adam<float>(weightDecay: 0.5, decoupledWeightDecay: true),
            "adam-l2" => new Adam<float>(weightDecay: 0.5, decoupledWeightDecay: false),
            _ => new Sgd<float>(momentum: 0.9, nesterov: true, weightDecay: 0.5),
        };
        Trainer.Fit(model, small, null, opt, new TrainOptions(2, 32, LearningRateSchedule.Constant(0.01), 1));
        int frozenLayers = 0;
        foreach (var p in cnn.Parameters)
        {
            if (FrozenWeight.Of(p.Slot) is not { } pattern) continue;
            frozenLayers++;
            float[] a = start[p.Name].ToArray(), b = model[p.Name].ToArray();
            Assert.All(pattern.Indices, i => Assert.Equal(BitConverter.SingleToInt32Bits(a[i]), BitConverter.SingleToInt32Bits(b[i])));
            Assert.True(pattern.Holds(model[p.Name]));
            Assert.Contains(Enumerable.Range(0, a.Length).Except(pattern.Indices), i => a[i] != b[i]);
        }
        Assert.Equal(4, frozenLayers); // two convs, two Linears
    }

    [Fact]
    public void AsymmetryKeepsParameterNamesAndSharesFixedWeightsAcrossTrainingSeeds()
    {
        var standard = Builders.Mlp(6, [8, 8], 3, Activation.Gelu, "layernorm");
        var w = new Asymmetry(AsymmetryKind.W, 4, 1, 7).Apply(standard);
        var s = new Asymmetry(AsymmetryKind.Sigma, Seed: 7).Apply(standard);
        Assert.Equal(standard.Parameters.Select(p => p.Name), w.Parameters.Select(p => p.Name));
        Assert.Equal(standard.Parameters.Select(p => p.Name), s.Parameters.Select(p => p.Name));
        Assert.Equal(2, s.Nodes.Count(n => n.Op is FigluOp));
        Assert.DoesNotContain(s.Nodes, n => n.Op is ActivationOp);
        var a = Model<double>.Initialize(w, new Rng(1));
        var b = Model<double>.Initialize(w, new Rng(2));
        foreach (var p in w.Parameters)
            if (FrozenWeight.Of(p.Slot) is { } pattern)
            {
                Assert.True(pattern.Holds(a[p.Name]) && pattern.Holds(b[p.Name]));
                Assert.NotEqual(a[p.Name].ToArray(), b[p.Name].ToArray());
            }
        // The trainable entries start as the standard model's (same rng stream).
        var std = Model<double>.Initialize(standard, new Rng(1));
        var p0 = w.Parameters[0];
        var frozen = FrozenWeight.Of(p0.Slot)!.Indices.ToHashSet();
        var sa = std[p0.Name].ToArray(); var wa = a[p0.Name].ToArray();
        Assert.All(Enumerable.Range(0, sa.Length).Where(i => !frozen.Contains(i)), i => Assert.Equal(sa[i], wa[i]));
    }

    [Fact]
    public void BadSettingsFailAtTheNodeWithShapes()
    {
        var b = new GraphBuilder();
        var e = Assert.Throws<ShapeMismatchException>(() => b.Add(new LinearOp(3, 2, Frozen: new FrozenWeights(4, 1, 0)), "fc", b.Input("x", 3)));
        Assert.Contains("fc", e.Message);
        Assert.Contains("1..3", e.Message);
        var e2 = Assert.Throws<ShapeMismatchException>(() => b.Add(new FigluOp(5, 0), "act", b.Input("y", 4)));
        Assert.Contains("5 channels", e2.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedAndUnfusedPassesAgreeAndIgnoreStoredFrozenValues(bool training)
    {
        var w = new Asymmetry(AsymmetryKind.W, FrozenPerRow: 3, Seed: 4);
        foreach (var g in new[] { w.Apply(Builders.Mlp(6, [8, 8], 3)), w.Apply(Builders.ResNet20([2, 6, 6], 3, width: 4, blocksPerStage: 1)) })
        {
            var m = Model<double>.Initialize(g, new Rng(1));
            // Scribble over every stored frozen entry: no path may read them.
            var scribbled = m.WithParameters(g.Parameters.Where(p => FrozenWeight.Of(p.Slot) is not null).ToDictionary(p => p.Name, p =>
            {
                var t = m[p.Name].Clone();
                foreach (var i in FrozenWeight.Of(p.Slot)!.Indices) t.Span[i] = 99;
                return t;
            }));
            var x = Tensor<double>.RandomNormal(new Rng(2), [4, .. g.Inputs[0].Shape]);
            var reference = Executor.Forward(m, [x], training, new Rng(3), fuse: false).Outputs[0].Value;
            foreach (var fuse in new[] { false, true })
            {
                // Inference fusions (Conv2d → BatchNorm folding) apply without gradients only.
                using var mode = training ? null : GradMode.NoGrad();
                var y = Executor.Forward(scribbled, [x], training, new Rng(3), fuse).Outputs[0].Value;
                Assert.True(reference.MaxAbsDiff(y) <= 1e-10, $"{g.Name}, fuse {fuse}, training {training}: differs by {reference.MaxAbsDiff(y):E2}");
            }
        }
    }
}
