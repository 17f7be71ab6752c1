using Noether.Nn.Training;

namespace Noether.Nn.Tests;

public class DormandPrinceTests
{
    private static OdeOptions Tol(double rtol) => new() { RelativeTolerance = rtol, AbsoluteTolerance = rtol * 1e-3 };

    private static double[] Decay(double t, double[] y) => [-y[0]];

    private const double Omega = 2.0;
    private static double[] Oscillator(double t, double[] y) => [y[1], -Omega * Omega * y[0]];
    private static double Energy(double[] y) => 0.5 * y[1] * y[1] + 0.5 * Omega * Omega * y[0] * y[0];

    [Fact]
    public void Exponential_decay_matches_the_closed_form_and_error_scales_with_tolerance()
    {
        double[] tolerances = [1e-4, 1e-6, 1e-8, 1e-10];
        var errors = tolerances.Select(rtol =>
        {
            var s = DormandPrince.Integrate(Decay, 0, [1.0], 5, Tol(rtol));
            Assert.Equal(5.0, s.FinalTime);
            return Math.Abs(s.FinalState[0] - Math.Exp(-5)) / Math.Exp(-5);
        }).ToArray();
        for (int i = 0; i < tolerances.Length; i++)
            Assert.True(errors[i] <= 10 * tolerances[i], $"rtol {tolerances[i]:E0}: relative error {errors[i]:E3}");
        for (int i = 1; i < tolerances.Length; i++)
            Assert.True(errors[i] < errors[i - 1] / 10, $"error did not shrink with tolerance: {string.Join(", ", errors.Select(e => e.ToString("E2")))}");
    }

    [Theory]
    [InlineData(1e-5)]
    [InlineData(1e-7)]
    [InlineData(1e-9)]
    public void Harmonic_oscillator_follows_cosine_and_keeps_its_energy(double rtol)
    {
        const double T = 10;
        var s = DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], T, Tol(rtol));
        double x = Math.Cos(Omega * T), v = -Omega * Math.Sin(Omega * T);
        double err = Math.Max(Math.Abs(s.FinalState[0] - x), Math.Abs(s.FinalState[1] - v));
        Assert.True(err <= 200 * rtol, $"rtol {rtol:E0}: error {err:E3} after {s.AcceptedSteps} steps");
        double e0 = Energy([1.0, 0.0]);
        double drift = s.Steps.Max(step => Math.Abs(Energy(step.State) - e0)) / e0;
        Assert.True(drift <= 200 * rtol, $"rtol {rtol:E0}: energy drift {drift:E3}");
        Assert.True(drift > 0, "a non-symplectic integrator cannot keep the energy to the last bit");
    }

    [Fact]
    public void Tighter_tolerance_takes_more_steps()
    {
        int loose = DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 10, Tol(1e-4)).AcceptedSteps;
        int tight = DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 10, Tol(1e-9)).AcceptedSteps;
        // Step size ∝ tol^(1/5): 10^5 tighter ⇒ about 10× more steps.
        Assert.InRange((double)tight / loose, 5, 20);
    }

    [Fact]
    public void A_too_large_first_step_on_a_stiff_transient_is_rejected_and_the_answer_is_still_right()
    {
        // y' = −λ(y − cos t), y(0) = 0: a transient e^{−λt} on top of a slow cosine.
        const double lambda = 1000;
        double[] F(double t, double[] y) => [-lambda * (y[0] - Math.Cos(t))];
        double Exact(double t) => (lambda * lambda * Math.Cos(t) + lambda * Math.Sin(t) - lambda * lambda * Math.Exp(-lambda * t)) / (lambda * lambda + 1);
        var s = DormandPrince.Integrate(F, 0, [0.0], 1, Tol(1e-6) with { InitialStep = 0.1 });
        Assert.True(s.RejectedSteps > 0);
        Assert.True(s.Steps[1].Rejected > 0, "the first accepted step should follow rejections");
        Assert.Equal(s.RejectedSteps, s.Steps.Sum(step => step.Rejected));
        Assert.True(Math.Abs(s.FinalState[0] - Exact(1)) < 1e-5, $"y(1) = {s.FinalState[0]}, exact {Exact(1)}");
    }

    [Fact]
    public void First_same_as_last_costs_six_evaluations_per_attempt()
    {
        var s = DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 3, Tol(1e-6));
        // 1 evaluation at the start, 1 for the initial step estimate, 6 per attempted step (the 7th is reused).
        Assert.Equal(2 + 6 * (s.AcceptedSteps + s.RejectedSteps), s.Evaluations);
    }

    [Fact]
    public void Integrates_backwards_in_time()
    {
        var s = DormandPrince.Integrate((t, y) => [y[0]], 1, [Math.E], 0, Tol(1e-10));
        Assert.Equal(0.0, s.FinalTime);
        Assert.Equal(1.0, s.FinalState[0], 8);
        Assert.All(s.Steps.Skip(1), step => Assert.True(step.StepSize < 0));
    }

    [Fact]
    public void Dense_output_interpolates_between_steps()
    {
        var s = DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 10, Tol(1e-9) with { DenseOutput = true });
        Assert.InRange(s.AcceptedSteps, 50, 1000);
        for (double t = 0; t <= 10; t += 0.37)
            Assert.True(Math.Abs(s.Interpolate(t)[0] - Math.Cos(Omega * t)) < 1e-6, $"t = {t}");
        // At a step end the interpolant returns the step's state.
        var mid = s.Steps[s.Steps.Count / 2];
        Assert.Equal(mid.State[0], s.Interpolate(mid.Time)[0], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Interpolate(10.5));
        Assert.Throws<InvalidOperationException>(() => DormandPrince.Integrate(Decay, 0, [1.0], 1).Interpolate(0.5));
    }

    [Fact]
    public void Callback_sees_the_start_and_every_accepted_step_in_order()
    {
        var seen = new List<OdeStep>();
        var s = DormandPrince.Integrate(Decay, 0, [1.0], 2, Tol(1e-6), seen.Add);
        Assert.Equal(s.AcceptedSteps + 1, seen.Count);
        Assert.Equal(Enumerable.Range(0, seen.Count), seen.Select(x => x.Index));
        Assert.Equal(0.0, seen[0].Time);
        Assert.Equal(2.0, seen[^1].Time);
        for (int i = 1; i < seen.Count; i++) Assert.Equal(seen[i - 1].Time + seen[i].StepSize, seen[i].Time, 14);
        Assert.Equal(s.Steps, seen);
    }

    [Fact]
    public void Without_recording_only_the_ends_are_kept()
    {
        var s = DormandPrince.Integrate(Decay, 0, [1.0], 2, Tol(1e-8) with { RecordSteps = false });
        Assert.Equal(2, s.Steps.Count);
        Assert.Equal(Math.Exp(-2), s.FinalState[0], 8);
        Assert.True(s.AcceptedSteps > 5);
    }

    [Fact]
    public void Cancellation_stops_the_integration()
    {
        using var cts = new CancellationTokenSource();
        int calls = 0;
        Assert.Throws<OperationCanceledException>(() => DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 100, Tol(1e-10),
            step => { if (++calls == 4) cts.Cancel(); }, cts.Token));
        Assert.Equal(4, calls);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => DormandPrince.Integrate(Decay, 0, [1.0], 1, cancel: cancelled.Token));
    }

    [Fact]
    public void Exhausting_the_step_budget_or_a_blow_up_is_an_error()
    {
        var budget = Assert.Throws<InvalidOperationException>(() => DormandPrince.Integrate(Oscillator, 0, [1.0, 0.0], 100, Tol(1e-10) with { MaxSteps = 10 }));
        Assert.Contains("MaxSteps", budget.Message);
        // y' = y², y(0) = 1 blows up at t = 1.
        var blowUp = Assert.Throws<InvalidOperationException>(() => DormandPrince.Integrate((t, y) => [y[0] * y[0]], 0, [1.0], 2, Tol(1e-8)));
        Assert.Contains("underflowed", blowUp.Message);
        double where = double.Parse(System.Text.RegularExpressions.Regex.Match(blowUp.Message, @"t = ([0-9.eE+-]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(where, 1 - 1e-6, 1 + 1e-6);
        Assert.Throws<ArgumentException>(() => DormandPrince.Integrate(Decay, 0, [double.NaN], 1));
        Assert.Throws<ArgumentException>(() => DormandPrince.Integrate(Decay, 0, [1.0], 1, new OdeOptions { Safety = 2 }));
    }
}
