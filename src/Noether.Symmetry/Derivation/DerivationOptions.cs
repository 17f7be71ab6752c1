namespace Noether.Symmetry.Derivation;

/// <summary>Choices the derivation makes explicit.</summary>
/// <param name="AllowAffineIntertwiners">Admit sign flips of units whose activation satisfies σ(−x) = c − σ(x) (sigmoid),
/// absorbed by the next layer's bias. Off by default: the derived group then only uses linear intertwiners.</param>
/// <param name="Strict">Throw <see cref="UnsupportedGraphException"/> on an op the deriver does not understand, instead of
/// restricting the spaces it touches to the identity.</param>
public sealed record DerivationOptions(bool AllowAffineIntertwiners = false, bool Strict = false)
{
    /// <summary>The defaults.</summary>
    public static DerivationOptions Default { get; } = new();
}

/// <summary>Thrown in strict mode when the graph contains an op whose symmetry behaviour is unknown.</summary>
public sealed class UnsupportedGraphException(string message) : NotSupportedException(message);
