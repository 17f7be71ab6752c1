namespace Noether.Nn.Training;

/// <summary>
/// A point on a training trajectory, reported by <see cref="GradientFlow.Run"/> after every accepted step and by
/// <see cref="GradientDescent.Run"/> after every update (index 0 is the starting point in both).
/// </summary>
/// <param name="Index">0 for the start, then one per accepted integration step or per gradient-descent update.</param>
/// <param name="Time">Flow time t; for gradient descent k·η, so both trajectories share one time axis.</param>
/// <param name="Loss">L(θ(t)).</param>
/// <param name="Parameters">θ(t) in <see cref="ParameterVector"/> order; a copy owned by this record.</param>
/// <param name="Model">The model, holding θ(t) while the callback runs; read it, do not modify it (the run keeps using it).</param>
/// <param name="Rejected">Integration steps rejected just before this one (always 0 for gradient descent).</param>
public sealed record FlowStep(int Index, double Time, double Loss, double[] Parameters, Model<double> Model, int Rejected);
