using System.Globalization;
using System.Text;

namespace Noether.Alignment;

/// <summary>
/// An optimal assignment of the rows of a cost matrix to its columns: each row goes to at most one column and each
/// column takes at most one row. A matrix with r rows and c columns assigns min(r, c) pairs: every row when r ≤ c,
/// otherwise every column; the rest are −1.
/// </summary>
/// <param name="RowToColumn">For each row, its column, or −1 when the row is unassigned (only when rows outnumber columns).</param>
/// <param name="ColumnToRow">For each column, its row, or −1 when the column is unassigned (only when columns outnumber rows).</param>
/// <param name="Cost">The sum of the original costs over the assigned pairs, in double precision.</param>
public sealed record Assignment(int[] RowToColumn, int[] ColumnToRow, double Cost)
{
    /// <summary>Number of rows of the cost matrix.</summary>
    public int Rows => RowToColumn.Length;

    /// <summary>Number of columns of the cost matrix.</summary>
    public int Columns => ColumnToRow.Length;

    /// <summary>Number of assigned pairs, min(<see cref="Rows"/>, <see cref="Columns"/>).</summary>
    public int Count => Math.Min(Rows, Columns);

    /// <summary>The assigned (row, column) pairs in row order.</summary>
    public IEnumerable<(int Row, int Column)> Pairs()
    {
        for (int i = 0; i < RowToColumn.Length; i++)
            if (RowToColumn[i] >= 0) yield return (i, RowToColumn[i]);
    }

    /// <summary>Value equality: same shape, same pairs, same cost.</summary>
    public bool Equals(Assignment? other)
        => other is not null && Cost.Equals(other.Cost)
           && RowToColumn.AsSpan().SequenceEqual(other.RowToColumn) && ColumnToRow.AsSpan().SequenceEqual(other.ColumnToRow);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Cost);
        foreach (int j in RowToColumn) h.Add(j);
        h.Add(ColumnToRow.Length);
        return h.ToHashCode();
    }

    /// <summary>"Assignment 3×4, cost 6: 0→2, 1→0, 2→3" (the first 16 pairs, then how many more).</summary>
    public override string ToString()
    {
        const int Shown = 16;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Assignment {Rows}×{Columns}, cost {Cost.ToString("G10", CultureInfo.InvariantCulture)}");
        int k = 0;
        foreach (var (r, c) in Pairs())
        {
            if (k == Shown) { sb.Append(CultureInfo.InvariantCulture, $", … {Count - Shown} more"); break; }
            sb.Append(k == 0 ? ": " : ", ").Append(CultureInfo.InvariantCulture, $"{r}→{c}");
            k++;
        }
        return sb.ToString();
    }
}
