namespace Noether.Nn.Training;

/// <summary>
/// The Dormand–Prince 5(4) explicit Runge–Kutta pair (RK45, MATLAB's <c>ode45</c>, Hairer's DOPRI5) with
/// first-same-as-last stages, adaptive step size under <see cref="OdeOptions"/> error control (local extrapolation:
/// the fifth-order solution is propagated, the embedded fourth-order one only estimates the error) and optional
/// dense output. States are plain <c>double[]</c>; the right-hand side must not modify its input.
/// </summary>
public static class DormandPrince
{
    // Butcher tableau (Dormand & Prince 1980).
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    // Fifth-order weights (= the last row, hence FSAL: stage 7 is evaluated at the new state).
    private const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784, B6 = 11.0 / 84;
    // Fifth minus fourth order weights: the local error estimate.
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;
    // Dense output (Hairer's DOPRI5 contd5 coefficients).
    private const double D1 = -12715105075.0 / 11282082432, D3 = 87487479700.0 / 32700410799, D4 = -10690763975.0 / 1880347072,
        D5 = 701980252875.0 / 199316789632, D6 = -1453857185.0 / 822651844, D7 = 69997945.0 / 29380423;

    /// <summary>
    /// Integrates y' = f(t, y) from (<paramref name="t0"/>, <paramref name="y0"/>) to <paramref name="t1"/>
    /// (which may lie before <paramref name="t0"/>: the integration then runs backwards).
    /// </summary>
    /// <param name="f">Right-hand side; returns a new array of the state's length.</param>
    /// <param name="t0">Start time.</param>
    /// <param name="y0">Initial state (not modified).</param>
    /// <param name="t1">End time; the last step lands on it exactly.</param>
    /// <param name="options">Error control; defaults to <see cref="OdeOptions"/>' defaults.</param>
    /// <param name="onAccepted">Called with the initial state (index 0), then after every accepted step.</param>
    /// <param name="cancel">Checked before every evaluation of <paramref name="f"/>.</param>
    /// <exception cref="InvalidOperationException">The step size underflowed, the step budget ran out, or f is not finite at the start.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was signalled.</exception>
    public static OdeSolution Integrate(Func<double, double[], double[]> f, double t0, double[] y0, double t1,
        OdeOptions? options = null, Action<OdeStep>? onAccepted = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(y0);
        options ??= new OdeOptions();
        options.Validate();
        if (!double.IsFinite(t0) || !double.IsFinite(t1)) throw new ArgumentException($"times must be finite (t0 = {t0}, t1 = {t1})");
        foreach (double v in y0) if (!double.IsFinite(v)) throw new ArgumentException("the initial state has a NaN or infinite component", nameof(y0));

        int n = y0.Length, evaluations = 0;
        double[] F(double t, double[] y)
        {
            cancel.ThrowIfCancellationRequested();
            evaluations++;
            var r = f(t, y);
            if (r is null || r.Length != n) throw new InvalidOperationException($"the right-hand side returned {r?.Length.ToString() ?? "null"} components for a state of {n}");
            return r;
        }

        var steps = new List<OdeStep>();
        var dense = options.DenseOutput ? new List<DenseSegment>() : null;
        bool record = options.RecordSteps || options.DenseOutput;
        var y = (double[])y0.Clone();
        var first = new OdeStep(0, t0, 0, (double[])y.Clone(), 0);
        steps.Add(first);
        onAccepted?.Invoke(first);
        if (t1 == t0) return new OdeSolution(steps, 0, 0, evaluations, dense);

        double dir = Math.Sign(t1 - t0);
        var k1 = F(t0, y);
        foreach (double v in k1) if (!double.IsFinite(v)) throw new InvalidOperationException($"the right-hand side is not finite at t = {t0}");
        double h = dir * Math.Min(Math.Min(Math.Abs(options.InitialStep ?? InitialStep(F, t0, y, k1, dir, options)), options.MaxStep), Math.Abs(t1 - t0));

        var yStage = new double[n];
        var yNew = new double[n];
        double t = t0;
        int accepted = 0, rejected = 0, rejectedHere = 0;
        bool lastRejected = false;
        OdeStep last = first;
        while (dir * (t1 - t) > 0)
        {
            if (accepted >= options.MaxSteps)
                throw new InvalidOperationException($"Dormand–Prince took its {options.MaxSteps} allowed steps and reached only t = {t} of {t1} (raise OdeOptions.MaxSteps or loosen the tolerances)");
            // A step that would stop just short of the end is stretched onto it (Hairer's 1.01 rule), so no sliver remains.
            bool landsOnEnd = dir * (t + 1.01 * h - t1) >= 0;
            if (landsOnEnd) h = t1 - t;
            else if (Math.Abs(h) < 16 * (Math.BitIncrement(Math.Abs(t)) - Math.Abs(t)))
                throw new InvalidOperationException($"Dormand–Prince step size underflowed ({h:E3}) at t = {t}: the problem is stiff or singular there, or the tolerances are below rounding");

            for (int i = 0; i < n; i++) yStage[i] = y[i] + h * A21 * k1[i];
            var k2 = F(t + C2 * h, yStage);
            for (int i = 0; i < n; i++) yStage[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
            var k3 = F(t + C3 * h, yStage);
            for (int i = 0; i < n; i++) yStage[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
            var k4 = F(t + C4 * h, yStage);
            for (int i = 0; i < n; i++) yStage[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
            var k5 = F(t + C5 * h, yStage);
            for (int i = 0; i < n; i++) yStage[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
            var k6 = F(t + h, yStage);
            for (int i = 0; i < n; i++) yNew[i] = y[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
            double tNew = landsOnEnd ? t1 : t + h;
            var k7 = F(tNew, yNew);

            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
                double scale = options.AbsoluteTolerance + options.RelativeTolerance * Math.Max(Math.Abs(y[i]), Math.Abs(yNew[i]));
                sum += e * e / (scale * scale);
            }
            double err = n == 0 ? 0 : Math.Sqrt(sum / n);

            if (err <= 1)
            {
                if (dense is not null) dense.Add(Segment(t, h, y, yNew, k1, k3, k4, k5, k6, k7));
                t = tNew;
                (y, yNew) = (yNew, y);
                k1 = k7;
                accepted++;
                last = new OdeStep(accepted, t, h, (double[])y.Clone(), rejectedHere);
                if (record) steps.Add(last);
                onAccepted?.Invoke(last);
                rejectedHere = 0;
                double grow = err == 0 ? options.MaxFactor : Math.Clamp(options.Safety * Math.Pow(err, -0.2), options.MinFactor, options.MaxFactor);
                if (lastRejected) grow = Math.Min(grow, 1);
                lastRejected = false;
                h *= grow;
            }
            else
            {
                rejected++;
                rejectedHere++;
                lastRejected = true;
                // A NaN error (non-finite stages) shrinks the step as much as allowed.
                h *= double.IsFinite(err) ? Math.Max(options.MinFactor, options.Safety * Math.Pow(err, -0.2)) : options.MinFactor;
            }
            h = dir * Math.Min(Math.Abs(h), options.MaxStep);
        }
        if (!record) steps.Add(last);
        return new OdeSolution(steps, accepted, rejected, evaluations, dense);
    }

    /// <summary>Starting step size from the problem's scales (Hairer, Nørsett &amp; Wanner, Solving ODEs I, II.4).</summary>
    private static double InitialStep(Func<double, double[], double[]> f, double t0, double[] y0, double[] f0, double dir, OdeOptions o)
    {
        int n = y0.Length;
        if (n == 0) return 1e-6;
        double d0 = 0, d1 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = o.AbsoluteTolerance + o.RelativeTolerance * Math.Abs(y0[i]);
            d0 += y0[i] * y0[i] / (sc * sc);
            d1 += f0[i] * f0[i] / (sc * sc);
        }
        d0 = Math.Sqrt(d0 / n);
        d1 = Math.Sqrt(d1 / n);
        double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        var y1 = new double[n];
        for (int i = 0; i < n; i++) y1[i] = y0[i] + dir * h0 * f0[i];
        var f1 = f(t0 + dir * h0, y1);
        double d2 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = o.AbsoluteTolerance + o.RelativeTolerance * Math.Abs(y0[i]);
            double df = f1[i] - f0[i];
            d2 += df * df / (sc * sc);
        }
        d2 = Math.Sqrt(d2 / n) / h0;
        if (!double.IsFinite(d2)) return h0;
        double dmax = Math.Max(d1, d2);
        double h1 = dmax <= 1e-15 ? Math.Max(1e-6, h0 * 1e-3) : Math.Pow(0.01 / dmax, 0.2);
        return Math.Min(100 * h0, h1);
    }

    private static DenseSegment Segment(double t, double h, double[] y, double[] yNew, double[] k1, double[] k3, double[] k4, double[] k5, double[] k6, double[] k7)
    {
        int n = y.Length;
        double[] r1 = (double[])y.Clone(), r2 = new double[n], r3 = new double[n], r4 = new double[n], r5 = new double[n];
        for (int i = 0; i < n; i++)
        {
            double dy = yNew[i] - y[i], bspl = h * k1[i] - dy;
            r2[i] = dy;
            r3[i] = bspl;
            r4[i] = dy - h * k7[i] - bspl;
            r5[i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
        }
        return new DenseSegment(t, h, r1, r2, r3, r4, r5);
    }
}
