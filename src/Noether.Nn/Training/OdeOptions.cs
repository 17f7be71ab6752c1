namespace Noether.Nn.Training;

/// <summary>
/// Error control of an adaptive Runge–Kutta integration (<see cref="DormandPrince"/>). A step is accepted when
/// the RMS over components of error_i / (AbsoluteTolerance + RelativeTolerance · max(|y_i|, |y_new,i|)) is ≤ 1;
/// the next step size is h · clamp(Safety · err^(−1/5), MinFactor, MaxFactor) (never growing right after a rejection).
/// </summary>
public sealed record OdeOptions
{
    /// <summary>Relative tolerance per component.</summary>
    public double RelativeTolerance { get; init; } = 1e-6;

    /// <summary>Absolute tolerance per component.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-9;

    /// <summary>Safety factor on the optimal step size, in (0, 1].</summary>
    public double Safety { get; init; } = 0.9;

    /// <summary>Smallest ratio between consecutive step sizes, in (0, 1).</summary>
    public double MinFactor { get; init; } = 0.2;

    /// <summary>Largest ratio between consecutive step sizes, &gt; 1.</summary>
    public double MaxFactor { get; init; } = 10;

    /// <summary>Largest accepted step count before the integration gives up with an error.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>First step size (its sign is ignored); null picks one from the problem (Hairer, Nørsett &amp; Wanner II.4).</summary>
    public double? InitialStep { get; init; }

    /// <summary>Largest step size magnitude.</summary>
    public double MaxStep { get; init; } = double.PositiveInfinity;

    /// <summary>Keep every accepted state in <see cref="OdeSolution.Steps"/> (otherwise only the first and last).</summary>
    public bool RecordSteps { get; init; } = true;

    /// <summary>Keep the continuous extension of every step so <see cref="OdeSolution.Interpolate"/> works between steps (implies recording).</summary>
    public bool DenseOutput { get; init; }

    internal void Validate()
    {
        if (!(RelativeTolerance >= 0) || !(AbsoluteTolerance >= 0) || RelativeTolerance + AbsoluteTolerance <= 0)
            throw new ArgumentException($"tolerances must be ≥ 0 and not both 0 (rtol {RelativeTolerance}, atol {AbsoluteTolerance})");
        if (!(Safety > 0 && Safety <= 1)) throw new ArgumentException($"safety factor {Safety} is outside (0, 1]");
        if (!(MinFactor > 0 && MinFactor < 1)) throw new ArgumentException($"minimum step factor {MinFactor} is outside (0, 1)");
        if (!(MaxFactor > 1)) throw new ArgumentException($"maximum step factor {MaxFactor} must exceed 1");
        if (MaxSteps <= 0) throw new ArgumentException($"maximum step count {MaxSteps} must be positive");
        if (InitialStep is { } h && !(double.IsFinite(h) && h != 0)) throw new ArgumentException($"initial step {h} must be finite and non-zero");
        if (!(MaxStep > 0)) throw new ArgumentException($"maximum step {MaxStep} must be positive");
    }
}
