namespace Noether.Symmetry.Teleportation;

/// <summary>
/// Settings of one teleport. The defaults are Zhao et al.'s multi-layer regression with gradient descent
/// (8 ascent steps, step size 1e-7 on ½‖Y − f(X)‖²); the step size is in the loss's units and must be rescaled for
/// other losses or data.
/// </summary>
public sealed record TeleportOptions
{
    /// <summary>Gradient-ascent steps on ‖∇L‖² (each starts again from g = I at the moved point).</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Ascent step size η: T = η·∂‖∇L‖²/∂T at T = 0.</summary>
    public double StepSize { get; init; } = 1e-7;

    /// <summary>Relative finite-difference step of the Hessian-vector product (scaled by max(1, ‖θ‖)).</summary>
    public double FiniteDifferenceStep { get; init; } = 1e-5;

    /// <summary>
    /// Largest accepted relative change of the loss over the whole teleport. A step that exceeds it, lowers ‖∇L‖ or is
    /// not finite is retried with half the step size (up to <see cref="MaxHalvings"/> times); the construction itself
    /// is exact to rounding, so this only fires when g = I + T comes close to singular.
    /// </summary>
    public double LossTolerance { get; init; } = 1e-8;

    /// <summary>
    /// The learning rate of the gradient descent that follows, or null. When set, a step is also rejected (and halved)
    /// unless one descent step of this size from the candidate lowers the loss at least as much as from the current
    /// point: ‖∇L‖² is unbounded on the orbit, and ascending it blindly ends at points too sharp for that step size
    /// (in the reference setting a fixed η = 1e-7 for 8 steps raises ‖∇L‖ from ~1e3 to ~1e8 and GD then diverges).
    /// </summary>
    public double? DescentLearningRate { get; init; }

    /// <summary>Halvings of a rejected step before the teleport stops early.</summary>
    public int MaxHalvings { get; init; } = 20;

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Steps < 0) throw new ArgumentException($"teleport: Steps must be ≥ 0, got {Steps}");
        if (!(StepSize > 0) || !double.IsFinite(StepSize)) throw new ArgumentException($"teleport: StepSize must be positive, got {StepSize}");
        if (!(FiniteDifferenceStep > 0) || FiniteDifferenceStep >= 1) throw new ArgumentException($"teleport: FiniteDifferenceStep must be in (0, 1), got {FiniteDifferenceStep}");
        if (!(LossTolerance > 0)) throw new ArgumentException($"teleport: LossTolerance must be positive, got {LossTolerance}");
        if (DescentLearningRate is { } lr && !(lr > 0)) throw new ArgumentException($"teleport: DescentLearningRate must be positive, got {lr}");
        if (MaxHalvings < 0) throw new ArgumentException($"teleport: MaxHalvings must be ≥ 0, got {MaxHalvings}");
    }
}
