using Noether.Nn;

namespace Noether.Symmetry.Teleportation;

/// <summary>One accepted ascent step of a teleport.</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="Loss">L after the step.</param>
/// <param name="GradNorm">‖∇L‖ after the step.</param>
/// <param name="StepSize">The step size used (after any halvings).</param>
public readonly record struct TeleportStep(int Step, double Loss, double GradNorm, double StepSize);

/// <summary>The outcome of <see cref="Teleporter.Teleport"/>.</summary>
/// <param name="Model">The teleported model (a new model; the input is untouched).</param>
/// <param name="LossBefore">L before.</param>
/// <param name="LossAfter">L after (equal to rounding on the teleport batch).</param>
/// <param name="GradNormBefore">‖∇L‖ before.</param>
/// <param name="GradNormAfter">‖∇L‖ after.</param>
/// <param name="Pairs">The pairs moved.</param>
/// <param name="Steps">The accepted ascent steps.</param>
public sealed record TeleportResult(Model<double> Model, double LossBefore, double LossAfter, double GradNormBefore, double GradNormAfter,
    IReadOnlyList<TeleportPair> Pairs, IReadOnlyList<TeleportStep> Steps)
{
    /// <summary>|L_after − L_before| / max(|L_before|, tiny).</summary>
    public double RelativeLossChange => Math.Abs(LossAfter - LossBefore) / Math.Max(Math.Abs(LossBefore), double.Epsilon);

    /// <summary>
    /// Copies the teleported parameters into <paramref name="target"/>'s tensors in place (for trainers that update
    /// one model in place and observe it after every step). <paramref name="target"/> must have the same graph.
    /// </summary>
    public void CopyInto(Model<double> target)
    {
        if (!ReferenceEquals(target.Graph, Model.Graph) && target.Graph.Parameters.Select(p => p.Name).Except(Model.Graph.Parameters.Select(p => p.Name)).Any())
            throw new ArgumentException($"teleport: model '{target.Graph.Name}' does not have the parameters of the teleported model '{Model.Graph.Name}'");
        foreach (var (name, value) in Model.Parameters)
            if (!ReferenceEquals(target[name], value)) target[name].CopyFrom(value);
    }
}
