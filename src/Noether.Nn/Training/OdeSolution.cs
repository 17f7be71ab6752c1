namespace Noether.Nn.Training;

/// <summary>The result of an ODE integration: the accepted steps and the work it took.</summary>
public sealed class OdeSolution
{
    private readonly IReadOnlyList<DenseSegment>? _dense;

    internal OdeSolution(IReadOnlyList<OdeStep> steps, int accepted, int rejected, int evaluations, IReadOnlyList<DenseSegment>? dense)
    {
        Steps = steps;
        AcceptedSteps = accepted;
        RejectedSteps = rejected;
        Evaluations = evaluations;
        _dense = dense;
    }

    /// <summary>The initial state, every accepted step in order (or only the last when steps are not recorded).</summary>
    public IReadOnlyList<OdeStep> Steps { get; }

    /// <summary>Time at the end of the integration.</summary>
    public double FinalTime => Steps[^1].Time;

    /// <summary>State at <see cref="FinalTime"/>.</summary>
    public double[] FinalState => Steps[^1].State;

    /// <summary>Number of accepted steps.</summary>
    public int AcceptedSteps { get; }

    /// <summary>Number of rejected step attempts.</summary>
    public int RejectedSteps { get; }

    /// <summary>Number of right-hand-side evaluations.</summary>
    public int Evaluations { get; }

    /// <summary>
    /// The state at any time between the start and the end, from the fourth-order continuous extension of the step
    /// that covers it (Dormand–Prince dense output; its error is of the order of the local tolerance).
    /// </summary>
    /// <exception cref="InvalidOperationException">The integration ran without <see cref="OdeOptions.DenseOutput"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> lies outside the integrated interval.</exception>
    public double[] Interpolate(double time)
    {
        if (_dense is null) throw new InvalidOperationException("dense output was not kept: integrate with OdeOptions.DenseOutput = true");
        double t0 = Steps[0].Time, t1 = FinalTime;
        if (!(Math.Min(t0, t1) <= time && time <= Math.Max(t0, t1)))
            throw new ArgumentOutOfRangeException(nameof(time), time, $"outside the integrated interval [{Math.Min(t0, t1)}, {Math.Max(t0, t1)}]");
        if (_dense.Count == 0) return (double[])Steps[0].State.Clone();
        // Segments are ordered along the direction of integration; find the first whose end passes time.
        bool forward = t1 >= t0;
        int lo = 0, hi = _dense.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            double end = _dense[mid].Start + _dense[mid].Step;
            if (forward ? end >= time : end <= time) hi = mid; else lo = mid + 1;
        }
        return _dense[lo].Evaluate(time);
    }
}
