using System.Diagnostics.CodeAnalysis;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// Which elementwise activations teleportation can invert. The construction applies σ⁻¹ to g·σ(z) for an arbitrary
/// invertible g, so σ must be a bijection of ℝ onto ℝ: LeakyReLU with slope α &gt; 0 (inverse: LeakyReLU with slope
/// 1/α) and the identity. tanh and sigmoid are injective but g·σ(z) can leave their range (−1, 1) or (0, 1), where σ⁻¹
/// is undefined, so they are refused rather than clipped.
/// </summary>
public static class InvertibleActivations
{
    /// <summary>The inverse of <paramref name="activation"/> on all of ℝ, or the reason there is none.</summary>
    public static bool TryGetInverse(Activation activation, [NotNullWhen(true)] out Activation? inverse, [NotNullWhen(false)] out string? reason)
    {
        (inverse, reason) = activation switch
        {
            IdentityActivation => (Activation.Identity, null),
            LeakyReluActivation { Alpha: > 0 } l when double.IsFinite(1 / l.Alpha) => (Activation.LeakyRelu(1 / l.Alpha), null),
            LeakyReluActivation l => ((Activation?)null, $"{l.Name} is not injective (slope {l.Alpha} ≤ 0)"),
            ReluActivation => (null, "relu is not invertible (it maps every negative input to 0)"),
            TanhActivation or SigmoidActivation => (null, $"{activation.Name} is injective but g·σ(z) can leave its range, where σ⁻¹ is undefined"),
            _ => (null, $"{activation.Name} is not a bijection of ℝ"),
        };
        return inverse is not null;
    }
}
