namespace Noether.Alignment.Tests;

/// <summary>Slow, plainly written reference solvers and cost-matrix helpers for the tests.</summary>
internal static class Reference
{
    /// <summary>The optimal cost by trying every injection of the shorter side into the longer (small sizes only).</summary>
    public static double BruteForce(double[] c, int rows, int columns, bool maximize)
    {
        bool t = rows > columns;
        int n = t ? columns : rows, m = t ? rows : columns;
        double At(int i, int j) => t ? c[j * columns + i] : c[i * columns + j];
        var used = new bool[m];
        double best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
        void Go(int i, double sum)
        {
            if (i == n) { best = maximize ? Math.Max(best, sum) : Math.Min(best, sum); return; }
            for (int j = 0; j < m; j++)
            {
                if (used[j]) continue;
                used[j] = true; Go(i + 1, sum + At(i, j)); used[j] = false;
            }
        }
        Go(0, 0);
        return n == 0 ? 0 : best;
    }

    /// <summary>
    /// The textbook O(n²m) Hungarian method with potentials (Kuhn–Munkres as shortest paths), written plainly;
    /// returns the optimal cost.
    /// </summary>
    public static double Hungarian(double[] c, int rows, int columns, bool maximize)
    {
        bool t = rows > columns;
        int n = t ? columns : rows, m = t ? rows : columns;
        double sign = maximize ? -1 : 1;
        double A(int i, int j) => sign * (t ? c[(j - 1) * columns + (i - 1)] : c[(i - 1) * columns + (j - 1)]);
        var u = new double[n + 1]; var v = new double[m + 1];
        var p = new int[m + 1]; var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            var minv = Enumerable.Repeat(double.PositiveInfinity, m + 1).ToArray();
            var used = new bool[m + 1];
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = A(i0, j) - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do { int j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0 != 0);
        }
        double cost = 0;
        for (int j = 1; j <= m; j++) if (p[j] != 0) cost += sign * A(p[j], j);
        return cost;
    }

    /// <summary>Uniform integers in [0, k) (many ties when k is small).</summary>
    public static double[] Integers(int rows, int columns, int k, int seed)
    {
        var rng = new Random(seed);
        var c = new double[rows * columns];
        for (int i = 0; i < c.Length; i++) c[i] = rng.Next(k);
        return c;
    }

    /// <summary>Uniform reals in [−1, 1).</summary>
    public static double[] Reals(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var c = new double[rows * columns];
        for (int i = 0; i < c.Length; i++) c[i] = 2 * rng.NextDouble() - 1;
        return c;
    }

    /// <summary>Asserts the assignment is a valid matching of the right size whose cost is the sum of its entries.</summary>
    public static void AssertWellFormed(Assignment a, double[] c, int rows, int columns)
    {
        Assert.Equal(rows, a.Rows);
        Assert.Equal(columns, a.Columns);
        Assert.Equal(Math.Min(rows, columns), a.RowToColumn.Count(j => j >= 0));
        Assert.Equal(Math.Min(rows, columns), a.ColumnToRow.Count(i => i >= 0));
        double sum = 0;
        for (int i = 0; i < rows; i++)
        {
            int j = a.RowToColumn[i];
            if (j < 0) continue;
            Assert.Equal(i, a.ColumnToRow[j]);
            sum += c[i * columns + j];
        }
        for (int j = 0; j < columns; j++)
            if (a.ColumnToRow[j] >= 0) Assert.Equal(j, a.RowToColumn[a.ColumnToRow[j]]);
        Assert.Equal(sum, a.Cost, 12);
    }
}
