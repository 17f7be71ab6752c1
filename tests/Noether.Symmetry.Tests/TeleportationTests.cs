using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Teleportation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Symmetry teleportation: the pair finder, the exact data-dependent action, the ascent gradient, the reference setting.</summary>
public sealed class TeleportationTests
{
    private static readonly TeleportExperimentOptions Reference = new();

    /// <summary>The reference MLP (5 → 6 → 7 → 8, no bias) after a few GD epochs, with its batch of 4 and loss.</summary>
    private static (Model<double> Model, Tensor<double> X, OutputLoss Loss) ReferencePoint(ulong seed = 0)
    {
        var (model, x, y) = TeleportExperiment.Create(Reference, seed);
        var loss = RegressionLosses.Create(RegressionLoss.HalfSumOfSquares, y);
        return (FullBatchGradientDescent.Run(model, x, loss, Reference.LearningRate, 5).Model, x, loss);
    }

    /// <summary>An MLP with biases (4 → 5 → 5 → 3, LeakyReLU(0.2) unless given) on a batch of <paramref name="batch"/>.</summary>
    private static (Model<double> Model, Tensor<double> X, OutputLoss Loss) BiasedPoint(int batch = 4, ulong seed = 3, string activation = "leaky_relu(0.2)")
    {
        var rng = new Rng(seed);
        var model = Model<double>.Initialize(Builders.Mlp(4, [5, 5], 3, Activation.Parse(activation)), rng);
        var x = Tensor<double>.RandomNormal(rng, batch, 4);
        var y = Tensor<double>.RandomNormal(rng, batch, 3);
        return (model, x, RegressionLosses.Create(RegressionLoss.HalfSumOfSquares, y));
    }

    private static Tensor<double>[] RandomGenerators(TeleportAction action, double scale, ulong seed)
    {
        var rng = new Rng(seed);
        return action.Pairs.Select(p => Tensor<double>.RandomNormal(rng, p.Width, p.Width) * scale).ToArray();
    }

    private static double Loss(Model<double> model, Tensor<double> x, OutputLoss loss) => TeleportObjective.Evaluate(model, x, loss).Loss;

    // ---- pair finder ----

    [Theory]
    [InlineData("leaky_relu(0.1)", 3)]
    [InlineData("identity", 3)]
    [InlineData("relu", 0)]
    [InlineData("leaky_relu(0)", 0)]
    [InlineData("tanh", 0)]
    [InlineData("sigmoid", 0)]
    [InlineData("gelu", 0)]
    public void PairFinderAcceptsExactlyTheActivationsInvertibleOnAllOfR(string activation, int pairs)
    {
        var search = TeleportPairFinder.Find(Builders.Mlp(5, [6, 7, 6], 3, Activation.Parse(activation)));
        Assert.Equal(pairs, search.Pairs.Count);
        Assert.Equal(3 - pairs, search.Rejected.Count);
        if (pairs == 0) Assert.All(search.Rejected, r => Assert.Contains(Activation.Parse(activation).Name, r));
        else Assert.Equal([("layers.0", "layers.1", "layers.2", 6), ("layers.2", "layers.3", "layers.4", 7), ("layers.4", "layers.5", "layers.6", 6)],
            search.Pairs.Select(p => (p.Inner, p.ActivationNode, p.Outer, p.Width)).ToArray());
    }

    [Fact]
    public void PairFinderSaysWhyReluIsNotInvertible()
    {
        var search = TeleportPairFinder.Find(Builders.Mlp(5, [6], 3, Activation.Relu));
        Assert.Empty(search.Pairs);
        Assert.Contains("not invertible", Assert.Single(search.Rejected));
    }

    [Fact]
    public void PairFinderRejectsAHiddenSpaceReadByANormOrASecondReader()
    {
        Assert.Empty(TeleportPairFinder.Find(Builders.Mlp(5, [6, 7], 3, Activation.LeakyRelu(0.1), "layernorm")).Pairs);
        var b = new GraphBuilder("branch");
        var x = b.Input("x", 4);
        var z = b.Linear(x, 5, "v");
        var a = b.Activation(z, Activation.LeakyRelu(0.1), "act");
        var graph = b.Build(b.Residual(b.Linear(a, 5, "u"), a, "add"));
        var search = TeleportPairFinder.Find(graph);
        Assert.Empty(search.Pairs);
        Assert.Contains("read by 2 node(s)", Assert.Single(search.Rejected));
    }

    [Fact]
    public void PairFinderRefusesAGraphWithoutPairsByName()
    {
        var (_, x, loss) = BiasedPoint();
        var relu = Model<double>.Initialize(Builders.Mlp(4, [5, 5], 3, Activation.Relu), new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => Teleporter.Teleport(relu, x, loss));
        Assert.Contains("no teleportable pair", e.Message);
        Assert.Contains("relu", e.Message);
    }

    // ---- the action ----

    [Fact]
    public void ActionAtTheIdentityLeavesEveryParameterUnchanged()
    {
        var (model, x, _) = BiasedPoint();
        var action = TeleportAction.Create(model, x, TeleportPairFinder.Find(model.Graph).Pairs);
        var moved = action.Apply(action.Pairs.Select(p => Tensor<double>.Zeros(p.Width, p.Width)).ToArray());
        foreach (var (name, t) in model.Parameters) Assert.True(t.MaxAbsDiff(moved[name]) <= 1e-12, name);
    }

    [Theory]
    [InlineData(false, "leaky_relu(0.1)")]
    [InlineData(true, "leaky_relu(0.2)")]
    [InlineData(true, "leaky_relu(3)")]
    [InlineData(true, "identity")]
    public void ActionKeepsTheLossOnTheBatchAndMovesTheWeights(bool biased, string activation)
    {
        var (model, x, loss) = biased ? BiasedPoint(activation: activation) : ReferencePoint();
        var action = TeleportAction.Create(model, x, TeleportPairFinder.Find(model.Graph).Pairs);
        Assert.Empty(action.Inexact);
        var moved = action.Apply(RandomGenerators(action, 0.3, 7));
        double before = Loss(model, x, loss), after = Loss(moved, x, loss);
        Assert.True(Math.Abs(after - before) <= 1e-9 * before, $"loss {before} → {after}");
        Assert.True(model.Predict(x)[0].MaxAbsDiff(moved.Predict(x)[0]) <= 1e-9);
        Assert.All(model.Graph.Parameters.Where(p => p.Name.EndsWith("weight")), p => Assert.True(model[p.Name].MaxAbsDiff(moved[p.Name]) > 1e-3, p.Name));
    }

    [Fact]
    public void AnElementOutsideTheConstructionChangesTheLoss()
    {
        // U·g⁻¹ without rebuilding V (or V rebuilt linearly, g·V, ignoring σ) is not a symmetry: the loss moves.
        var (model, x, loss) = ReferencePoint();
        var rng = new Rng(11);
        var g = Tensor<double>.Eye(6) + Tensor<double>.RandomNormal(rng, 6, 6) * 0.3;
        var onlyU = model.WithParameters(new Dictionary<string, Tensor<double>> { ["layers.2.weight"] = model["layers.2.weight"].MatMul(Noether.Tensors.Linalg.Linalg.Inverse(g)) });
        var linear = onlyU.WithParameters(new Dictionary<string, Tensor<double>> { ["layers.0.weight"] = g.MatMul(model["layers.0.weight"]) });
        double before = Loss(model, x, loss);
        Assert.True(Math.Abs(Loss(onlyU, x, loss) - before) > 1e-3 * before);
        Assert.True(Math.Abs(Loss(linear, x, loss) - before) > 1e-3 * before);
    }

    [Fact]
    public void ActionOnABatchLargerThanTheInputWidthIsRefusedAndWouldChangeTheLoss()
    {
        var (model, x, loss) = BiasedPoint(batch: 16);
        var pairs = TeleportPairFinder.Find(model.Graph).Pairs;
        var e = Assert.Throws<ArgumentException>(() => TeleportAction.Create(model, x, pairs));
        Assert.Contains("[16, 5]", e.Message);
        var inexact = TeleportAction.Create(model, x, pairs, requireExact: false);
        Assert.NotEmpty(inexact.Inexact);
        var moved = inexact.Apply(RandomGenerators(inexact, 0.3, 7));
        double before = Loss(model, x, loss);
        Assert.True(Math.Abs(Loss(moved, x, loss) - before) > 1e-4 * before);
    }

    [Fact]
    public void GeneratorOfTheWrongShapeIsAOneLineErrorNamingIt()
    {
        var (model, x, _) = BiasedPoint();
        var action = TeleportAction.Create(model, x, TeleportPairFinder.Find(model.Graph).Pairs);
        var e = Assert.Throws<ShapeMismatchException>(() => action.Apply([Tensor<double>.Zeros(5, 5), Tensor<double>.Zeros(4, 4)]));
        Assert.Contains("layers.2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    // ---- the ascent gradient ----

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.05)]
    [InlineData(true, 0.0)]
    [InlineData(true, 0.1)]
    public void AscentGradientMatchesFiniteDifferencesOfTheGradientNorm(bool biased, double scale)
    {
        var (model, x, loss) = biased ? BiasedPoint() : ReferencePoint();
        var action = TeleportAction.Create(model, x, TeleportPairFinder.Find(model.Graph).Pairs);
        var t = RandomGenerators(action, scale, 5);
        var (analytic, _) = TeleportObjective.Gradient(action, x, loss, t);
        double Objective(Tensor<double>[] ts) { double n = TeleportObjective.Evaluate(action.Apply(ts), x, loss).GradientNorm; return n * n; }
        double max = analytic.Max(a => a.Abs().Max());
        Assert.True(max > 0);
        for (int p = 0; p < t.Length; p++)
        {
            int k = t[p].Dim(0);
            for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                const double h = 1e-6;
                var plus = t.Select(a => a.Clone()).ToArray(); var minus = t.Select(a => a.Clone()).ToArray();
                plus[p].Slice(0, i, i + 1).Slice(1, j, j + 1).CopyFrom(Tensor<double>.Full(t[p].Slice(0, i, i + 1).Slice(1, j, j + 1).ToScalar() + h, 1, 1));
                minus[p].Slice(0, i, i + 1).Slice(1, j, j + 1).CopyFrom(Tensor<double>.Full(t[p].Slice(0, i, i + 1).Slice(1, j, j + 1).ToScalar() - h, 1, 1));
                double fd = (Objective(plus) - Objective(minus)) / (2 * h);
                double an = analytic[p].Slice(0, i, i + 1).Slice(1, j, j + 1).ToScalar();
                Assert.True(Math.Abs(fd - an) <= 1e-4 * max, $"pair {p} T[{i},{j}]: analytic {an}, finite difference {fd} (max {max})");
            }
        }
    }

    // ---- teleport ----

    [Fact]
    public void TeleportKeepsTheLossAndRaisesTheGradientNorm()
    {
        var (model, x, loss) = ReferencePoint();
        var before = model.Clone();
        var r = Teleporter.Teleport(model, x, loss);
        Assert.True(r.RelativeLossChange <= 1e-6, $"relative loss change {r.RelativeLossChange}");
        Assert.True(Math.Abs(Loss(r.Model, x, loss) - r.LossBefore) <= 1e-6 * r.LossBefore);
        Assert.True(r.GradNormAfter > 1.1 * r.GradNormBefore, $"‖∇L‖ {r.GradNormBefore} → {r.GradNormAfter}");
        Assert.Equal(TeleportObjective.Evaluate(r.Model, x, loss).GradientNorm, r.GradNormAfter, 1e-9 * r.GradNormAfter);
        Assert.NotEmpty(r.Steps);
        foreach (var (name, t) in model.Parameters) Assert.Equal(0, t.MaxAbsDiff(before[name]));   // the input model is untouched
    }

    [Fact]
    public void CopyIntoMovesAnInPlaceModelToTheTeleportedPoint()
    {
        var (model, x, loss) = ReferencePoint();
        var r = Teleporter.Teleport(model, x, loss);
        var inPlace = model.Clone();
        var tensor = inPlace["layers.0.weight"];
        r.CopyInto(inPlace);
        Assert.Same(tensor, inPlace["layers.0.weight"]);
        foreach (var (name, t) in r.Model.Parameters) Assert.Equal(0, t.MaxAbsDiff(inPlace[name]));
        Assert.True(model["layers.0.weight"].MaxAbsDiff(inPlace["layers.0.weight"]) > 1e-3);
    }

    [Fact]
    public void TeleportWithZeroStepsIsTheIdentity()
    {
        var (model, x, loss) = ReferencePoint();
        var r = Teleporter.Teleport(model, x, loss, new TeleportOptions { Steps = 0 });
        Assert.Same(model, r.Model);
        Assert.Equal(r.GradNormBefore, r.GradNormAfter);
    }

    [Fact]
    public void ReferenceSettingTeleportedCurveStaysBelowPlainGradientDescentForFiveSeeds()
    {
        var options = Reference;   // the full 300 epochs: about a second
        for (ulong seed = 0; seed < 5; seed++)
        {
            var run = TeleportExperiment.Run(options, seed);
            int at = options.TeleportAt;
            Assert.True(run.Teleport.RelativeLossChange <= 1e-6, $"seed {seed}: relative loss change {run.Teleport.RelativeLossChange}");
            Assert.True(run.Teleport.GradNormAfter > run.Teleport.GradNormBefore, $"seed {seed}: ‖∇L‖ {run.Teleport.GradNormBefore} → {run.Teleport.GradNormAfter}");
            for (int e = 0; e <= at; e++) Assert.Equal(run.Plain.Loss[e], run.Teleported.Loss[e], 1e-6 * run.Plain.Loss[e]);
            for (int e = at + 1; e < options.Epochs; e++)
                Assert.True(run.Teleported.Loss[e] < run.Plain.Loss[e], $"seed {seed} epoch {e}: teleported {run.Teleported.Loss[e]} vs plain {run.Plain.Loss[e]}");
        }
    }

    [Fact]
    public void UnguardedAscentOvershootsToAPointGradientDescentDivergesFromWhileTheGuardedOneDoesNot()
    {
        var guarded = TeleportExperiment.Run(Reference with { Epochs = 40 }, 0);
        var unguarded = TeleportExperiment.Run(Reference with { Epochs = 40, GuardTeleport = false }, 0);
        Assert.True(unguarded.Teleport.RelativeLossChange <= 1e-6);   // still on the level set…
        Assert.True(unguarded.Teleport.GradNormAfter > 100 * guarded.Teleport.GradNormAfter, $"{unguarded.Teleport.GradNormAfter} vs {guarded.Teleport.GradNormAfter}");
        Assert.NotNull(unguarded.Teleported.DivergedAt);                // …but too sharp for lr 1e-4
        Assert.True(double.IsPositiveInfinity(unguarded.Teleported.Loss[^1]));
        Assert.Null(guarded.Teleported.DivergedAt);
        Assert.Null(guarded.Plain.DivergedAt);
    }

    [Fact]
    public void CallbackTeleportsOnlyAtTheRequestedStep()
    {
        var (model, x, loss) = ReferencePoint();
        var seen = new List<int>();
        var callback = Teleporter.AtSteps(x, loss, [2], onTeleport: (s, _) => seen.Add(s));
        Assert.Same(model, callback(model, 0));
        Assert.NotSame(model, callback(model, 2));
        Assert.Equal([2], seen);
    }
}
