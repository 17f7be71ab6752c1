using Noether.Nn.Operations;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// Two consecutive Linear layers around an invertible activation, x → V → σ → U, whose hidden space of
/// <see cref="Width"/> units is read by nothing else. GL(<see cref="Width"/>) acts on it: U ← U·g⁻¹ and V (with its
/// bias) is rebuilt so that σ(V'h + b') = g·σ(Vh + b) on the data (see <see cref="TeleportAction"/>).
/// </summary>
/// <param name="Inner">The Linear node V (its input is h).</param>
/// <param name="ActivationNode">The activation node σ.</param>
/// <param name="Outer">The Linear node U (reads σ's output only).</param>
/// <param name="Function">σ.</param>
/// <param name="Inverse">σ⁻¹ on all of ℝ.</param>
/// <param name="Width">The hidden width k (g is k×k).</param>
public sealed record TeleportPair(string Inner, string ActivationNode, string Outer, Activation Function, Activation Inverse, int Width)
{
    /// <inheritdoc />
    public override string ToString() => $"{Inner} → {ActivationNode} ({Function.Name}) → {Outer}, GL({Width})";
}
