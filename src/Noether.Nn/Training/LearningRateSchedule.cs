namespace Noether.Nn.Training;

/// <summary>A learning rate as a function of the optimisation step (0-based) out of a known total.</summary>
public abstract record LearningRateSchedule
{
    /// <summary>Learning rate at a step.</summary>
    public abstract double At(long step, long totalSteps);

    /// <summary>A constant rate.</summary>
    public static LearningRateSchedule Constant(double lr) => new ConstantSchedule(lr);
    /// <summary>Cosine decay from lr to 0, after an optional linear warm-up.</summary>
    public static LearningRateSchedule Cosine(double lr, long warmupSteps = 0) => new CosineSchedule(lr, warmupSteps);
    /// <summary>Multiplies by gamma every stepSize steps.</summary>
    public static LearningRateSchedule Step(double lr, long stepSize, double gamma) => new StepSchedule(lr, stepSize, gamma);
}

/// <summary>A constant rate.</summary>
public sealed record ConstantSchedule(double Rate) : LearningRateSchedule
{
    public override double At(long step, long totalSteps) => Rate;
}

/// <summary>Linear warm-up then cosine decay to zero.</summary>
public sealed record CosineSchedule(double Rate, long WarmupSteps) : LearningRateSchedule
{
    public override double At(long step, long totalSteps)
    {
        if (step < WarmupSteps) return Rate * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, totalSteps - WarmupSteps);
        return Rate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}

/// <summary>Step decay.</summary>
public sealed record StepSchedule(double Rate, long StepSize, double Gamma) : LearningRateSchedule
{
    public override double At(long step, long totalSteps) => Rate * Math.Pow(Gamma, step / Math.Max(1, StepSize));
}
