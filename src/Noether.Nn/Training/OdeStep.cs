namespace Noether.Nn.Training;

/// <summary>One accepted step of an ODE integration (index 0 is the initial state).</summary>
/// <param name="Index">0 for the initial state, then 1, 2, … per accepted step.</param>
/// <param name="Time">Time reached.</param>
/// <param name="StepSize">Signed size of the step that reached <paramref name="Time"/> (0 for the initial state).</param>
/// <param name="State">The state at <paramref name="Time"/>; a copy owned by this record.</param>
/// <param name="Rejected">Attempts rejected by the error control before this step was accepted.</param>
public sealed record OdeStep(int Index, double Time, double StepSize, double[] State, int Rejected);
