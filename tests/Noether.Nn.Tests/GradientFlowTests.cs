using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Tests;

public class GradientFlowTests
{
    private static readonly OdeOptions Tight = new() { RelativeTolerance = 1e-9, AbsoluteTolerance = 1e-11, RecordSteps = false };

    // Smooth activations: at a ReLU kink the right-hand side of the flow jumps, and a ReLU MLP on 64 digits made
    // RK45 at rtol 1e-9 crawl (100,000 steps reached only t ≈ 0.35).
    private static Model<double> DigitsMlp(ulong seed = 0, Activation? activation = null) =>
        Model<double>.Initialize(Builders.Mlp(64, [16], 10, activation ?? Activation.Tanh), new Rng(seed));

    [Fact]
    public void Loss_gradient_matches_central_differences()
    {
        var model = FlowFixtures.SmoothMlp();
        var x = FlowFixtures.Inputs(5, 7);
        var loss = FlowFixtures.Mse(x, FlowFixtures.Targets(x));
        var layout = ParameterVector.For(model);
        var grad = new double[layout.Length];
        double value = LossGradient.Evaluate(model, loss, layout, grad);
        var theta = layout.Gather(model);
        const double eps = 1e-6;
        double worst = 0, scale = grad.Max(Math.Abs);
        for (int i = 0; i < theta.Length; i++)
        {
            var probe = model.Clone();
            var t = (double[])theta.Clone();
            t[i] += eps; layout.Scatter(t, probe); double up = loss(probe).Value.ToScalar();
            t[i] -= 2 * eps; layout.Scatter(t, probe); double down = loss(probe).Value.ToScalar();
            worst = Math.Max(worst, Math.Abs((up - down) / (2 * eps) - grad[i]));
        }
        Assert.True(worst / scale < 1e-6, $"max error {worst:E3} against max |g| {scale:E3}");
        Assert.Equal(loss(model).Value.ToScalar(), value);
    }

    [Fact]
    public void A_loss_on_another_model_is_an_error_not_a_zero_gradient()
    {
        var model = FlowFixtures.SmoothMlp();
        var other = model.Clone();
        var x = FlowFixtures.Inputs(3, 1);
        var layout = ParameterVector.For(model);
        var e = Assert.Throws<InvalidOperationException>(() =>
            LossGradient.Evaluate(model, _ => FlowFixtures.Mse(x, FlowFixtures.Targets(x))(other), layout, new double[layout.Length]));
        Assert.Contains("another model", e.Message);
    }

    [Fact]
    public void Flow_halves_the_loss_of_an_mlp_on_digits_and_never_increases_it()
    {
        var (x, y) = FlowFixtures.Digits(64);
        var model = DigitsMlp();
        var loss = FlowFixtures.CrossEntropy(x, y);
        var seen = new List<FlowStep>();
        var result = GradientFlow.Run(model, loss, duration: 10, Tight, seen.Add);

        Assert.True(result.FinalLoss <= 0.5 * result.InitialLoss, $"loss {result.InitialLoss:F4} → {result.FinalLoss:F4}");
        Assert.Equal(10.0, seen[^1].Time);
        Assert.Equal(result.AcceptedSteps + 1, seen.Count);
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Time > seen[i - 1].Time);
            Assert.True(seen[i].Loss <= seen[i - 1].Loss + 1e-12, $"loss rose at step {i}: {seen[i - 1].Loss} → {seen[i].Loss}");
        }
        // The model ends holding θ(T), and its loss is the reported one.
        Assert.Equal(result.FinalParameters, ParameterVector.For(model).Gather(model));
        Assert.Equal(result.FinalLoss, loss(model).Value.ToScalar(), 12);
    }

    [Fact]
    public void Callback_model_holds_the_reported_state_and_loss()
    {
        var x = FlowFixtures.Inputs(6, 3);
        var loss = FlowFixtures.Mse(x, FlowFixtures.Targets(x));
        var model = FlowFixtures.SmoothMlp();
        var layout = ParameterVector.For(model);
        int checkedSteps = 0;
        GradientFlow.Run(model, loss, 2, Tight, step =>
        {
            Assert.Equal(step.Parameters, layout.Gather(step.Model));
            Assert.Equal(loss(step.Model).Value.ToScalar(), step.Loss, 14);
            checkedSteps++;
        });
        Assert.True(checkedSteps > 3);
    }

    [Fact]
    public void Gradient_descent_tracks_the_flow_with_error_linear_in_the_learning_rate()
    {
        var x = FlowFixtures.Inputs(8, 5);
        var loss = FlowFixtures.Mse(x, FlowFixtures.Targets(x));
        const double T = 1.0;
        var flow = GradientFlow.Run(FlowFixtures.SmoothMlp(), loss, T, Tight with { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-13 });
        double[] rates = [0.1, 0.05, 0.025, 0.0125];
        var errors = rates.Select(lr =>
        {
            var gd = GradientDescent.Run(FlowFixtures.SmoothMlp(), loss, lr, (int)Math.Round(T / lr));
            Assert.Equal(T, gd.Times[^1], 12);
            return FlowFixtures.Distance(gd.FinalParameters, flow.FinalParameters);
        }).ToArray();
        double moved = FlowFixtures.Distance(flow.FinalParameters, ParameterVector.For(FlowFixtures.SmoothMlp()).Gather(FlowFixtures.SmoothMlp()));
        Assert.True(errors[0] < 0.2 * moved, $"GD at η = 0.1 is {errors[0]:E3} from the flow, which moved {moved:E3}");
        for (int i = 1; i < rates.Length; i++)
            Assert.InRange(errors[i - 1] / errors[i], 1.7, 2.3);
    }

    [Fact]
    public void Gradient_descent_reports_every_step_on_the_flow_time_axis()
    {
        var x = FlowFixtures.Inputs(4, 2);
        var loss = FlowFixtures.Mse(x, FlowFixtures.Targets(x));
        var seen = new List<FlowStep>();
        var model = FlowFixtures.SmoothMlp();
        var theta0 = ParameterVector.For(model).Gather(model);
        var result = GradientDescent.Run(model, loss, 0.05, 20, seen.Add);
        Assert.Equal(21, seen.Count);
        Assert.Equal(theta0, seen[0].Parameters);
        Assert.Equal(20 * 0.05, seen[^1].Time, 14);
        Assert.True(result.FinalLoss < result.InitialLoss);
        Assert.Equal(result.FinalParameters, ParameterVector.For(model).Gather(model));
    }

    [Fact]
    public void Gradient_flow_conserves_the_rescaling_invariant_and_gradient_descent_drifts()
    {
        // For a positively homogeneous activation (ReLU, or the identity used here to keep the flow smooth),
        // ‖w_in,i‖² + b_i² − ‖w_out,i‖² of hidden neuron i is conserved by the flow (the rescaling symmetry's
        // Noether charge); a gradient step changes it by O(η²)·|∇|².
        var (x, y) = FlowFixtures.Digits(32);
        var loss = FlowFixtures.CrossEntropy(x, y);
        static double[] Charges(Model<double> m)
        {
            var w0 = m["layers.0.weight"]; var b0 = m["layers.0.bias"]; var w1 = m["layers.2.weight"];
            var q = new double[w0.Dim(0)];
            for (int i = 0; i < q.Length; i++)
            {
                for (int j = 0; j < w0.Dim(1); j++) q[i] += w0[i, j] * w0[i, j];
                q[i] += b0[i] * b0[i];
                for (int k = 0; k < w1.Dim(0); k++) q[i] -= w1[k, i] * w1[k, i];
            }
            return q;
        }
        var flowModel = DigitsMlp(4, Activation.Identity);
        var q0 = Charges(flowModel);
        double flowDrift = 0;
        GradientFlow.Run(flowModel, loss, 2, Tight, s => flowDrift = Math.Max(flowDrift, FlowFixtures.Distance(Charges(s.Model), q0)));
        var gdModel = DigitsMlp(4, Activation.Identity);
        GradientDescent.Run(gdModel, loss, 0.2, 10);
        double gdDrift = FlowFixtures.Distance(Charges(gdModel), q0);
        Assert.True(flowDrift < 1e-6, $"flow drift {flowDrift:E3}");
        Assert.True(gdDrift > 100 * flowDrift, $"GD drift {gdDrift:E3} vs flow {flowDrift:E3}");
    }

    [Fact]
    public void Flow_and_descent_can_be_cancelled()
    {
        var (x, y) = FlowFixtures.Digits(16);
        var loss = FlowFixtures.CrossEntropy(x, y);
        using var cts = new CancellationTokenSource();
        int calls = 0;
        Assert.Throws<OperationCanceledException>(() =>
            GradientFlow.Run(DigitsMlp(), loss, 100, Tight, _ => { if (++calls == 3) cts.Cancel(); }, cancel: cts.Token));
        Assert.Equal(3, calls);
        using var cts2 = new CancellationTokenSource();
        int last = -1;
        Assert.Throws<OperationCanceledException>(() =>
            GradientDescent.Run(DigitsMlp(), loss, 0.1, 1000, s => { last = s.Index; if (s.Index == 5) cts2.Cancel(); }, cancel: cts2.Token));
        Assert.Equal(5, last);
    }
}
