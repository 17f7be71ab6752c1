namespace Noether.Alignment.Internal;

/// <summary>The row-to-column and column-to-row maps, the potentials u (rows) and v (columns) and work counters.</summary>
internal readonly record struct LapSolution(int[] RowToColumn, int[] ColumnToRow, double[] U, double[] V, int Augmentations, long Scans, long ReductionSteps);
