using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Tests;

public class NtkTests
{
    private static readonly OdeOptions Tight = new() { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-13, RecordSteps = false };

    /// <summary>∂L/∂f at the model's outputs on x, by autodiff through the loss alone.</summary>
    private static Tensor<double> LossGradientInOutputs(Model<double> model, Tensor<double> x, Tensor<double> y)
    {
        var f = Variable<double>.Parameter(model.Predict(x)[0]);
        Losses.MeanSquaredError(f, y).Backward();
        return f.Grad!;
    }

    [Fact]
    public void Jacobian_matches_central_differences_sample_major()
    {
        var model = FlowFixtures.SmoothMlp(2);
        var x = FlowFixtures.Inputs(4, 11);
        var layout = ParameterVector.For(model);
        var j = Ntk.Jacobian(model, x);
        Assert.Equal([4 * 2, layout.Length], j.ShapeArray());

        var theta = layout.Gather(model);
        var probe = model.Clone();
        var fd = new Tensor<double>(4 * 2, layout.Length);
        const double eps = 1e-6;
        for (int p = 0; p < theta.Length; p++)
        {
            var t = (double[])theta.Clone();
            t[p] += eps; layout.Scatter(t, probe); var up = probe.Predict(x)[0].ToArray();
            t[p] -= 2 * eps; layout.Scatter(t, probe); var down = probe.Predict(x)[0].ToArray();
            for (int r = 0; r < up.Length; r++) fd[r, p] = (up[r] - down[r]) / (2 * eps); // row n·K + k = output [n, k]
        }
        double scale = j.Abs().Max();
        Assert.True(j.MaxAbsDiff(fd) / scale < 1e-6, $"max |J − J_fd| = {j.MaxAbsDiff(fd):E3}, max |J| = {scale:E3}");
    }

    [Fact]
    public void Kernel_is_j_j_transpose_symmetric_and_blocks_agree()
    {
        var model = FlowFixtures.SmoothMlp(3);
        var a = FlowFixtures.Inputs(3, 1);
        var b = FlowFixtures.Inputs(2, 2);
        var theta = Ntk.Kernel(model, a);
        var j = Ntk.Jacobian(model, a);
        Assert.Equal([6, 6], theta.ShapeArray());
        Assert.True(theta.MaxAbsDiff(theta.Transpose().Contiguous()) < 1e-14);
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++)
                Assert.Equal(Enumerable.Range(0, j.Dim(1)).Sum(p => j[r, p] * j[c, p]), theta[r, c], 1e-12);
        // Θ(a, b) is the off-diagonal block of Θ over the concatenated batch.
        var ab = Tensor<double>.FromArray([.. a.ToArray(), .. b.ToArray()], 5, 3);
        var full = Ntk.Kernel(model, ab);
        var cross = Ntk.Kernel(model, a, b);
        Assert.Equal([6, 4], cross.ShapeArray());
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 4; c++)
                Assert.Equal(full[r, 6 + c], cross[r, c], 12);
    }

    [Fact]
    public void Output_velocity_along_the_gradient_flow_is_minus_theta_times_dl_df()
    {
        var model = FlowFixtures.SmoothMlp(5);
        var xTrain = FlowFixtures.Inputs(6, 21);
        var yTrain = FlowFixtures.Targets(xTrain);
        var xEval = FlowFixtures.Inputs(3, 22);
        var loss = FlowFixtures.Mse(xTrain, yTrain);
        var layout = ParameterVector.For(model);

        // States along a tight RK45 run of θ̇ = −∇L.
        var states = new List<(double T, double[] Theta)>();
        var result = GradientFlow.Run(model, loss, 1.5, Tight, s => states.Add((s.Time, s.Parameters)));
        Assert.True(result.AcceptedSteps >= 6);
        var picks = new[] { states[1], states[states.Count / 2], states[^1] };

        foreach (var (t, theta) in picks)
        {
            var at = model.Clone();
            layout.Scatter(theta, at);
            var dLdf = LossGradientInOutputs(at, xTrain, yTrain);
            foreach (var x in new[] { xTrain, xEval })
            {
                var predicted = Ntk.PredictedOutputVelocity(at, x, xTrain, dLdf);
                double scale = predicted.Abs().Max();

                // (a) J·θ̇ with θ̇ = −∇L from the loss closure's own backward pass.
                var grad = new double[layout.Length];
                LossGradient.Evaluate(at, loss, layout, grad);
                var thetaDot = new Tensor<double>(grad.Select(g => -g).ToArray(), layout.Length, 1);
                var jThetaDot = Ntk.Jacobian(at, x).MatMul(thetaDot).Reshape(predicted.ShapeArray());
                Assert.True(jThetaDot.MaxAbsDiff(predicted) / scale < 1e-9, $"t = {t}: J·θ̇ differs by {jThetaDot.MaxAbsDiff(predicted):E3} (scale {scale:E3})");

                // (b) A central difference of f(x) along the trajectory itself: integrate ±δ from θ(t).
                const double delta = 2e-4;
                Tensor<double> OutputAfter(double dt)
                {
                    var m = at.Clone();
                    GradientFlow.Run(m, FlowFixtures.Mse(xTrain, yTrain), dt, Tight);
                    return m.Predict(x)[0];
                }
                var fd = (OutputAfter(delta) - OutputAfter(-delta)) / (2 * delta);
                Assert.True(fd.MaxAbsDiff(predicted) / scale < 1e-6, $"t = {t}: df/dt along the flow differs by {fd.MaxAbsDiff(predicted):E3} (scale {scale:E3})");
            }
        }
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        var model = FlowFixtures.SmoothMlp();
        Assert.Throws<ShapeMismatchException>(() => Ntk.Jacobian(model, new Tensor<double>(2, 4)));
        var x = FlowFixtures.Inputs(2, 1);
        Assert.Throws<ShapeMismatchException>(() => Ntk.PredictedOutputVelocity(model, x, x, new Tensor<double>(3, 2)));
    }
}
