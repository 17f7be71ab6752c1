namespace Noether.Alignment.Internal;

/// <summary>
/// A plain scalar port of the algorithm behind <c>scipy.optimize.linear_sum_assignment</c> (Crouse 2016, scipy's
/// rectangular_lsap.cpp): one shortest augmenting path per row from zero potentials, no reductions, no SIMD.
/// The same-run baseline of the assignment benchmarks; square or wide (n ≤ m) minimisation only.
/// </summary>
internal static class CrouseReference
{
    /// <summary>The row-to-column map of an optimal assignment of the n × m (n ≤ m) row-major matrix.</summary>
    public static int[] Solve(ReadOnlySpan<double> cost, int nr, int nc)
    {
        var u = new double[nr]; var v = new double[nc];
        var shortest = new double[nc]; var path = new int[nc];
        var col4row = new int[nr]; var row4col = new int[nc];
        var sr = new bool[nr]; var sc = new bool[nc]; var remaining = new int[nc];
        Array.Fill(path, -1); Array.Fill(col4row, -1); Array.Fill(row4col, -1);
        for (int curRow = 0; curRow < nr; curRow++)
        {
            double minVal = 0;
            int i = curRow, numRemaining = nc, sink = -1;
            for (int it = 0; it < nc; it++) remaining[it] = nc - it - 1;
            Array.Clear(sr); Array.Clear(sc); Array.Fill(shortest, double.PositiveInfinity);
            while (sink == -1)
            {
                int index = -1;
                double lowest = double.PositiveInfinity;
                sr[i] = true;
                for (int it = 0; it < numRemaining; it++)
                {
                    int j = remaining[it];
                    double r = minVal + cost[i * nc + j] - u[i] - v[j];
                    if (r < shortest[j]) { path[j] = i; shortest[j] = r; }
                    if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1)) { lowest = shortest[j]; index = it; }
                }
                minVal = lowest;
                int jj = remaining[index];
                if (row4col[jj] == -1) sink = jj; else i = row4col[jj];
                sc[jj] = true;
                remaining[index] = remaining[--numRemaining];
            }
            u[curRow] += minVal;
            for (int r = 0; r < nr; r++) if (sr[r] && r != curRow) u[r] += minVal - shortest[col4row[r]];
            for (int j = 0; j < nc; j++) if (sc[j]) v[j] -= minVal - shortest[j];
            int col = sink;
            while (true)
            {
                int r = path[col];
                row4col[col] = r;
                (col4row[r], col) = (col, col4row[r]);
                if (r == curRow) break;
            }
        }
        return col4row;
    }
}
