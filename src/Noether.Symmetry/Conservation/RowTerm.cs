namespace Noether.Symmetry.Conservation;

/// <summary>
/// One signed contribution to a quadratic law: the slice [<see cref="Offset"/>, Offset + n·BlockSize) of axis
/// <see cref="Axis"/> of <see cref="Parameter"/>, viewed as n channel rows (a block of <see cref="BlockSize"/>
/// consecutive entries of the axis, times every other axis, per channel), contributes
/// <see cref="Coefficient"/>·R·Rᵀ to the law's matrix.
/// </summary>
public sealed record RowTerm(string Parameter, int Axis, int Offset, int BlockSize, double Coefficient)
{
    /// <inheritdoc />
    public override string ToString()
    {
        string sign = Coefficient < 0 ? "−" : "+";
        double c = Math.Abs(Coefficient);
        string coef = c == 1 ? "" : $"{c:G4}·";
        string slice = Offset == 0 && BlockSize == 1 ? "" : $"[{Offset}.., blocks of {BlockSize}]";
        return $"{sign} {coef}{Parameter} axis {Axis}{slice}";
    }
}

/// <summary>One entry of a linear law: <see cref="Coefficient"/>·θ[<see cref="Parameter"/>] at the flat (row-major) <see cref="Index"/>.</summary>
public readonly record struct LinearEntry(string Parameter, int Index, double Coefficient);
