namespace Noether.Alignment;

/// <summary>
/// An optimal assignment with the dual potentials that prove it optimal (linear-programming duality).
/// For a minimisation: u_i + v_j ≤ c_ij for every row i and column j, with equality on every assigned pair; the
/// potentials of the longer side are ≤ 0 and exactly 0 on its unassigned entries; so Σu + Σv equals the cost and no
/// assignment can cost less. For a maximisation every inequality is reversed (u_i + v_j ≥ c_ij, longer side ≥ 0).
/// Up to rounding: the potentials are computed in double precision.
/// </summary>
/// <param name="Assignment">The optimal assignment.</param>
/// <param name="RowPotentials">u, one per row.</param>
/// <param name="ColumnPotentials">v, one per column.</param>
/// <param name="Maximize">Whether the assignment maximises (inequalities reversed).</param>
public sealed record AssignmentCertificate(Assignment Assignment, double[] RowPotentials, double[] ColumnPotentials, bool Maximize)
{
    /// <summary>The dual objective Σu + Σv, equal to the optimal cost up to rounding.</summary>
    public double DualObjective => RowPotentials.Sum() + ColumnPotentials.Sum();

    /// <summary>Value equality on the assignment, the potentials and the sense.</summary>
    public bool Equals(AssignmentCertificate? other)
        => other is not null && Maximize == other.Maximize && Assignment.Equals(other.Assignment)
           && RowPotentials.AsSpan().SequenceEqual(other.RowPotentials) && ColumnPotentials.AsSpan().SequenceEqual(other.ColumnPotentials);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Assignment, Maximize);

    /// <inheritdoc/>
    public override string ToString() => $"{Assignment} ({(Maximize ? "maximised" : "minimised")}, dual objective {DualObjective:G10})";
}
