using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace Noether.Alignment.Internal;

/// <summary>
/// Turns a caller's rows × columns cost matrix (float or double) into the solver's n × m matrix with n ≤ m,
/// minimised, of the same element type: the caller's own memory when it already is one (minimise, rows ≤ columns),
/// else a copy, negated to maximise (exact) and transposed when rows outnumber columns. Refuses NaN, ±∞ and
/// magnitudes that could overflow the potentials.
/// </summary>
internal static class CostMatrix
{
    /// <summary>The working matrix, and whether it is the transpose of the caller's.</summary>
    public static ReadOnlySpan<T> Prepare<T>(ReadOnlySpan<T> costs, int rows, int columns, bool maximize, out bool transposed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows < 0 || columns < 0) throw new ArgumentException($"cost matrix shape must be non-negative, got {rows}×{columns}");
        if ((long)rows * columns != costs.Length)
            throw new ArgumentException($"cost matrix {rows}×{columns} needs {(long)rows * columns} elements, got {costs.Length}");
        transposed = rows > columns;
        ReadOnlySpan<T> work = costs;
        if (maximize || transposed)
        {
            var buffer = GC.AllocateUninitializedArray<T>(costs.Length);
            if (transposed) Transpose(costs, rows, columns, maximize, buffer);
            else TensorPrimitives.Negate(costs, buffer);
            work = buffer;
        }
        Validate(costs, rows, columns, work);
        return work;
    }

    /// <summary>The largest magnitude the solver accepts for an n × m problem: potentials stay finite.</summary>
    public static double Limit(int rows, int columns) => double.MaxValue / (4.0 * ((double)rows + columns + 1));

    private static void Validate<T>(ReadOnlySpan<T> costs, int rows, int columns, ReadOnlySpan<T> work)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (work.IsEmpty) return;
        double limit = Limit(rows, columns);
        double largest = Math.Abs(double.CreateTruncating(TensorPrimitives.MaxMagnitude(work)));
        if (largest <= limit) return;
        for (int k = 0; k < costs.Length; k++)
        {
            double x = double.CreateTruncating(costs[k]);
            if (double.IsFinite(x) && Math.Abs(x) <= limit) continue;
            string what = double.IsFinite(x)
                ? $"{x.ToString("R", CultureInfo.InvariantCulture)}, beyond the magnitude {limit.ToString("G3", CultureInfo.InvariantCulture)} that keeps the dual potentials finite,"
                : x.ToString(CultureInfo.InvariantCulture);
            throw new ArgumentException($"cost matrix {rows}×{columns} has {what} at row {k / columns}, column {k % columns}");
        }
    }

    /// <summary>Blocked transpose (tiles of 32 × 32) with optional negation.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> src, int rows, int columns, bool negate, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int B = 32;
        for (int i0 = 0; i0 < rows; i0 += B)
        {
            int i1 = Math.Min(rows, i0 + B);
            for (int j0 = 0; j0 < columns; j0 += B)
            {
                int j1 = Math.Min(columns, j0 + B);
                for (int i = i0; i < i1; i++)
                {
                    var row = src.Slice(i * columns, columns);
                    for (int j = j0; j < j1; j++) dst[j * rows + i] = negate ? -row[j] : row[j];
                }
            }
        }
    }
}
