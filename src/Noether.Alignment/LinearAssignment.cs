using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Noether.Alignment.Internal;
using Noether.Tensors;

namespace Noether.Alignment;

/// <summary>
/// Exact linear assignment (the linear sum assignment problem): a one-to-one matching of rows to columns of a dense
/// cost matrix with the least (or greatest) total cost, like <c>scipy.optimize.linear_sum_assignment</c>.
/// Square and rectangular matrices: with r ≤ c every row is assigned, otherwise every column.
/// Solved by Jonker–Volgenant shortest augmenting paths (column reduction, Dijkstra over reduced costs with dual
/// potentials) in double precision whatever the element type; float32 costs are read as float32 and widened in
/// registers, so a float32 matrix is never copied to double.
/// Ties and constant matrices are fine; NaN and ±∞ are refused naming the first bad entry.
/// </summary>
public static class LinearAssignment
{
    /// <summary>Solves a rows × columns cost matrix held row-major in <paramref name="costs"/>.</summary>
    /// <param name="costs">rows · columns finite costs, row-major.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="maximize">Maximise the total instead of minimising it.</param>
    /// <exception cref="ArgumentException">The length does not match the shape, or a cost is NaN or ±∞.</exception>
    public static Assignment Solve<T>(ReadOnlySpan<T> costs, int rows, int columns, bool maximize = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SolveWithDuals(costs, rows, columns, maximize).Assignment;

    /// <summary>Solves a cost matrix given as a rectangular array.</summary>
    public static Assignment Solve<T>(T[,] costs, bool maximize = false) where T : unmanaged, IFloatingPointIeee754<T>
        => SolveWithDuals(costs, maximize).Assignment;

    /// <summary>Solves a cost matrix given as a rank-2 tensor (any strides).</summary>
    public static Assignment Solve<T>(Tensor<T> costs, bool maximize = false) where T : unmanaged, IFloatingPointIeee754<T>
        => SolveWithDuals(costs, maximize).Assignment;

    /// <summary>Solves a rectangular-array cost matrix and returns the dual potentials that certify optimality.</summary>
    public static AssignmentCertificate SolveWithDuals<T>(T[,] costs, bool maximize = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(costs);
        var span = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(costs)), costs.Length);
        return SolveWithDuals(span, costs.GetLength(0), costs.GetLength(1), maximize);
    }

    /// <summary>Solves a rank-2 tensor cost matrix and returns the dual potentials that certify optimality.</summary>
    public static AssignmentCertificate SolveWithDuals<T>(Tensor<T> costs, bool maximize = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(costs);
        if (costs.Rank != 2) throw new ArgumentException($"cost matrix must be a rank-2 tensor, got shape {Shapes.Format(costs.Shape)}");
        return SolveWithDuals<T>(costs.Contiguous().Span, costs.Dim(0), costs.Dim(1), maximize);
    }

    /// <summary>
    /// Solves a row-major cost matrix and returns the assignment with the dual potentials that certify it optimal
    /// (see <see cref="AssignmentCertificate"/>).
    /// </summary>
    public static AssignmentCertificate SolveWithDuals<T>(ReadOnlySpan<T> costs, int rows, int columns, bool maximize = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SolveWithDuals(costs, rows, columns, maximize, ShortestAugmentingPath.DefaultReductionPasses, out _);

    /// <summary>The solver with a number of augmenting-row-reduction passes and its work counters (for tests and benchmarks).</summary>
    internal static AssignmentCertificate SolveWithDuals<T>(ReadOnlySpan<T> costs, int rows, int columns, bool maximize, int reductionPasses, out (int Augmentations, long Scans) work)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return Core(MemoryMarshal.Cast<T, double>(costs), rows, columns, maximize, reductionPasses, out work);
        if (typeof(T) == typeof(float)) return Core(MemoryMarshal.Cast<T, float>(costs), rows, columns, maximize, reductionPasses, out work);
        // Other IEEE types (Half, …) widen exactly to double.
        var wide = new double[costs.Length];
        for (int k = 0; k < wide.Length; k++) wide[k] = double.CreateTruncating(costs[k]);
        return Core<double>(wide, rows, columns, maximize, reductionPasses, out work);
    }

    /// <summary>The solve over float or double costs, kept in their own type (float32 never widened in memory).</summary>
    private static AssignmentCertificate Core<T>(ReadOnlySpan<T> costs, int rows, int columns, bool maximize, int reductionPasses, out (int Augmentations, long Scans) work)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = CostMatrix.Prepare(costs, rows, columns, maximize, out bool transposed);
        int n = Math.Min(rows, columns), m = Math.Max(rows, columns);
        var s = ShortestAugmentingPath.Solve(c, n, m, reductionPasses);
        work = (s.Augmentations, s.Scans);
        var (rowToColumn, columnToRow) = transposed ? (s.ColumnToRow, s.RowToColumn) : (s.RowToColumn, s.ColumnToRow);
        var (u, v) = transposed ? (s.V, s.U) : (s.U, s.V);
        if (maximize)
        {
            for (int i = 0; i < u.Length; i++) u[i] = -u[i];
            for (int j = 0; j < v.Length; j++) v[j] = -v[j];
        }
        double cost = 0;
        for (int i = 0; i < rows; i++)
            if (rowToColumn[i] >= 0) cost += double.CreateTruncating(costs[i * columns + rowToColumn[i]]);
        return new AssignmentCertificate(new Assignment(rowToColumn, columnToRow, cost), u, v, maximize);
    }
}
