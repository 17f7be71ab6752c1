namespace Noether.Nn.Training;

/// <summary>Summary of a <see cref="GradientFlow"/> or <see cref="GradientDescent"/> run; the model holds the final parameters.</summary>
/// <param name="Times">Time of every reported point (the start included).</param>
/// <param name="Losses">Loss at every reported point.</param>
/// <param name="FinalParameters">θ at the end, in <see cref="ParameterVector"/> order.</param>
/// <param name="AcceptedSteps">Accepted integration steps, or gradient-descent updates.</param>
/// <param name="RejectedSteps">Rejected integration steps (0 for gradient descent).</param>
/// <param name="GradientEvaluations">Loss-and-gradient evaluations made.</param>
public sealed record GradientFlowResult(
    IReadOnlyList<double> Times, IReadOnlyList<double> Losses, double[] FinalParameters,
    int AcceptedSteps, int RejectedSteps, int GradientEvaluations)
{
    /// <summary>Loss at the start.</summary>
    public double InitialLoss => Losses[0];

    /// <summary>Loss at the end.</summary>
    public double FinalLoss => Losses[^1];
}
