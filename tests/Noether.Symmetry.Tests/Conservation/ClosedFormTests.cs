using Noether.Nn;
using Noether.Nn.Training;
using Noether.Symmetry.Conservation;
using Noether.Tensors;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>
/// Must-shows 2 (GD part) and 3: drift under GD is O(η) at fixed training time, and the weight-decay and momentum closed
/// forms match simulated SGD.
/// </summary>
public class ClosedFormTests
{
    /// <summary>Runs SGD on random mini-batches, recording every law after each step.</summary>
    private static ConservationMonitor Run(string family, Optimizer<double> optimizer, double lr, int steps, ulong seed = 1)
    {
        var graph = Training.Build(family);
        var frozen = Training.Frozen(family, graph);
        var laws = ConservationLaws.Derive(graph, new ConservationOptions(Frozen: frozen));
        var model = Models.Randomised(graph, seed);
        var monitor = new ConservationMonitor(laws);
        monitor.Observe(model.Parameters, 0, double.NaN);
        for (int k = 0; k < steps; k++)
        {
            var (x, y) = Training.Data(graph, seed * 1000 + (ulong)k);
            var (loss, g) = Training.Gradient(model, x, y, frozen);
            optimizer.Step(model.Parameters, g, lr);
            monitor.Observe(model.Parameters, k + 1, loss, lr);
        }
        return monitor;
    }

    [Theory]
    [InlineData("mlp", 0.9, 1e-2)]
    [InlineData("mlp-layernorm", 0.9, 0)]
    [InlineData("transformer-gqa", 0.5, 5e-2)]
    [InlineData("cnn-batchnorm", 0, 1e-1)]
    [InlineData("lora-mlp", 0.9, 1e-2)]
    public void MomentumAndWeightDecayFollowTheClosedForm(string family, double momentum, double weightDecay)
    {
        var monitor = Run(family, new Sgd<double>(momentum, weightDecay: weightDecay), 0.05, 40);
        var errors = monitor.ClosedFormError(momentum, weightDecay);
        var drifts = monitor.Drifts();
        for (int i = 0; i < errors.Length; i++)
        {
            Assert.True(errors[i] <= 1e-9, $"{family}: {drifts[i].Family} deviates {errors[i]:E2} from the closed form");
            // The other way: the quantities did move, so the closed form predicts something (linear laws move only
            // with weight decay: every gradient is orthogonal to them, momentum or not).
            bool moves = weightDecay != 0 || (momentum != 0 && monitor.Quantities.Families[i].Degree == LawDegree.Quadratic);
            if (moves) Assert.True(drifts[i].MaxRelDrift > 1e-6, $"{family}: {drifts[i].Family} did not move");
        }
        // And ignoring momentum or weight decay in the closed form is visibly wrong.
        var naive = monitor.ClosedFormError(0, 0);
        if (momentum != 0 || weightDecay != 0) Assert.True(naive.Max() > 1e-4, $"{family}: the naive form also fits ({naive.Max():E2})");
    }

    [Fact]
    public void KuninWeightDecayFormulaMatchesSimulatedSgd()
    {
        const double lr = 0.01, wd = 1e-3;
        const int steps = 300;
        var graph = Training.Build("mlp");
        var laws = ConservationLaws.Derive(graph);
        var model = Models.Randomised(graph, 2);
        var opt = new Sgd<double>(weightDecay: wd);
        var q0 = laws.Evaluate(model.Parameters);
        var scale = laws.Families.Select(f => f.Scale(model.Parameters)).ToArray();
        var gradForms = laws.Families.Select(f => new List<double[]>()).ToArray();
        for (int k = 0; k < steps; k++)
        {
            var (x, y) = Training.Data(graph, (ulong)k + 100);
            var (_, g) = Training.Gradient(model, x, y);
            for (int f = 0; f < laws.Families.Count; f++) gradForms[f].Add(laws.Families[f].Evaluate(g));
            opt.Step(model.Parameters, g, lr);
        }
        var q = laws.Evaluate(model.Parameters);
        double worst = 0, withoutDecay = 0;
        for (int f = 0; f < laws.Families.Count; f++)
            for (int i = 0; i < laws.Families[f].Count; i++)
            {
                var forms = gradForms[f].Select(v => v[i]).ToArray();
                var kunin = ClosedForms.KuninWeightDecay(laws.Families[f].Degree, q0[f][i], forms, lr, wd);
                var plain = ClosedForms.KuninWeightDecay(laws.Families[f].Degree, q0[f][i], forms, lr, 0);
                worst = Math.Max(worst, Math.Abs(kunin[^1] - q[f][i]) / scale[f][i]);
                withoutDecay = Math.Max(withoutDecay, Math.Abs(plain[^1] - q[f][i]) / scale[f][i]);
            }
        Assert.True(worst <= 1e-6, $"Kunin's e^(−2λt) form deviates {worst:E2} relative");
        Assert.True(withoutDecay > 1e-4, $"ignoring weight decay should be visible, got {withoutDecay:E2}");
    }

    [Fact]
    public void GradientDescentDriftHalvesWithTheStepAtFixedTime()
    {
        // Full-batch GD to time T = η·steps: the quadratic laws drift by η²·Σ Q(g) ≈ η·∫Q(g)dt, i.e. O(η).
        var graph = Training.Build("mlp");
        var laws = ConservationLaws.Derive(graph).Where(f => f.Degree == LawDegree.Quadratic);
        var (x, y) = Training.Data(graph, 5, batch: 32);
        double Drift(double lr)
        {
            var model = Models.Randomised(graph, 6);
            var monitor = new ConservationMonitor(laws);
            monitor.Observe(model.Parameters, 0, 0);
            int steps = (int)Math.Round(2.0 / lr);
            for (int k = 0; k < steps; k++)
            {
                var (loss, g) = Training.Gradient(model, x, y);
                new Sgd<double>().Step(model.Parameters, g, lr);
                monitor.Observe(model.Parameters, (k + 1) * lr, loss, lr);
            }
            return monitor.Drifts().Max(d => d.MaxRelDrift);
        }
        double d1 = Drift(0.04), d2 = Drift(0.02), d3 = Drift(0.01);
        Assert.InRange(d1 / d2, 1.7, 2.3);
        Assert.InRange(d2 / d3, 1.7, 2.3);
    }
}
