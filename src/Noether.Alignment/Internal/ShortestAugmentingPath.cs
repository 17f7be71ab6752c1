namespace Noether.Alignment.Internal;

/// <summary>
/// The Jonker–Volgenant solver for a dense n × m cost matrix with n ≤ m (row-major float or double, finite,
/// minimised), computing in double precision: column reduction with reduction transfer (square only), optional
/// passes of augmenting row reduction, then one Dijkstra shortest augmenting path per remaining free row over reduced
/// costs c_ij − v_j (Jonker &amp; Volgenant 1987; rectangular form after Crouse 2016). Keeps, after every step, a feasible dual: each assigned row's column attains
/// min_j (c_ij − v_j), and when n &lt; m every v_j ≤ 0 with v_j = 0 on unassigned columns.
/// </summary>
internal ref struct ShortestAugmentingPath<T> where T : unmanaged
{
    private readonly ReadOnlySpan<T> _c;
    private readonly int _n, _m;
    private readonly int[] _x, _y;
    private readonly double[] _v;

    /// <summary>Number of shortest-path searches run after the reductions.</summary>
    public int Augmentations { get; private set; }

    /// <summary>Number of rows scanned (Dijkstra steps) over all searches.</summary>
    public long Scans { get; private set; }

    /// <summary>Number of row-reduction steps (each one pass over a row).</summary>
    public long ReductionSteps { get; private set; }

    private ShortestAugmentingPath(ReadOnlySpan<T> c, int n, int m)
    {
        _c = c; _n = n; _m = m;
        _x = new int[n]; _y = new int[m]; _v = new double[m];
        Array.Fill(_x, -1); Array.Fill(_y, -1);
    }

    /// <summary>Solves the n × m problem (n ≤ m) held row-major in <paramref name="c"/>.</summary>
    public static LapSolution Solve(ReadOnlySpan<T> c, int n, int m, int reductionPasses)
    {
        if (n > m) throw new ArgumentException($"the solver needs rows ≤ columns, got {n}×{m}");
        var s = new ShortestAugmentingPath<T>(c, n, m);
        if (n == 0) return new LapSolution(s._x, s._y, [], s._v, 0, 0, 0);
        if (m == 1) { s._x[0] = 0; s._y[0] = 0; return new LapSolution(s._x, s._y, [LapKernels.Wide(c[0])], s._v, 0, 0, 0); }
        int[] free = n == m ? s.ColumnReduction() : Enumerable.Range(0, n).ToArray();
        int nFree = free.Length;
        for (int pass = 0; pass < reductionPasses && nFree > 0; pass++) nFree = s.AugmentingRowReduction(free, nFree);
        if (nFree > 0) s.Augment(free.AsSpan(0, nFree));
        var u = new double[n];
        for (int i = 0; i < n; i++) u[i] = LapKernels.Wide(c[i * m + s._x[i]]) - s._v[s._x[i]];
        return new LapSolution(s._x, s._y, u, s._v, s.Augmentations, s.Scans, s.ReductionSteps);
    }

    /// <summary>
    /// Column reduction (square only): v_j = min_i c_ij; each column's first minimising row takes it unless that row
    /// already has one; a row that took exactly one column transfers its slack to it. Returns the free rows.
    /// </summary>
    private int[] ColumnReduction()
    {
        int n = _n, m = _m;
        var arg = new long[m];
        // One thread: splitting the columns over two cores measured no faster (memory-bound) and costs the thread
        // pool's start-up on a first call.
        LapKernels.ColumnMinima(_c, n, m, 0, m, _v, arg);

        var unique = new bool[n];
        for (int j = m - 1; j >= 0; j--)
        {
            int i = (int)arg[j];
            if (_x[i] < 0) { _x[i] = j; _y[j] = i; unique[i] = true; }
            else { unique[i] = false; _y[j] = -1; }
        }
        var free = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (_x[i] < 0) { free.Add(i); continue; }
            if (!unique[i]) continue;
            int j = _x[i];
            LapKernels.TwoSmallest(_c.Slice(i * m, m), _v, out int j1, out double v1, out _, out double v2);
            _v[j] -= j1 == j ? v2 : v1;
        }
        return free.ToArray();
    }

    /// <summary>
    /// One pass of augmenting row reduction: each free row takes the column of its smallest reduced cost, lowering
    /// that column's potential by the gap to its second smallest; a displaced row is retried at once when the
    /// potential fell, else left for the next pass. Returns the number of rows still free (at the front of
    /// <paramref name="free"/>).
    /// </summary>
    private int AugmentingRowReduction(int[] free, int nFree)
    {
        int current = 0, newFree = 0, m = _m;
        long steps = 0;
        while (current < nFree)
        {
            steps++; ReductionSteps++;
            int fi = free[current++];
            LapKernels.TwoSmallest(_c.Slice(fi * m, m), _v, out int j1, out double v1, out int j2, out double v2);
            int i0 = _y[j1];
            double lowered = _v[j1] - (v2 - v1);
            bool lowers = lowered < _v[j1];
            if (steps < (long)current * _n)
            {
                if (lowers) _v[j1] = lowered;
                else if (i0 >= 0 && j2 >= 0) { j1 = j2; i0 = _y[j2]; }
                if (i0 >= 0)
                {
                    if (lowers) free[--current] = i0;
                    else free[newFree++] = i0;
                }
            }
            else if (i0 >= 0) free[newFree++] = i0;
            if (i0 >= 0) _x[i0] = -1;
            _x[fi] = j1; _y[j1] = fi;
        }
        return newFree;
    }

    /// <summary>One Dijkstra shortest augmenting path per free row, updating the potentials of the settled columns.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Augment(ReadOnlySpan<int> freeRows)
    {
        int m = _m;
        var d = new double[m];
        var w = new double[m];
        var pred = new long[m];
        var settled = new int[m];
        var settledAt = new double[m];
        foreach (int f in freeRows)
        {
            Augmentations++;
            // d = c_f − v, every column's predecessor f: one relaxation from +∞.
            _v.CopyTo(w, 0);
            d.AsSpan().Fill(double.PositiveInfinity);
            double mu = LapKernels.Relax(_c.Slice(f * m, m), w, 0, d, pred, f);
            int nSettled = 0, sink;
            while (true)
            {
                int j = LapKernels.FindAt(d, mu, _y);
                if (_y[j] < 0) { sink = j; break; }
                settled[nSettled] = j; settledAt[nSettled] = mu; nSettled++;
                w[j] = double.NegativeInfinity; d[j] = double.PositiveInfinity;
                int i = _y[j];
                double h = LapKernels.Wide(_c[i * m + j]) - _v[j] - mu;
                mu = LapKernels.Relax(_c.Slice(i * m, m), w, h, d, pred, i);
                Scans++;
            }
            for (int t = 0; t < nSettled; t++) _v[settled[t]] += settledAt[t] - mu;
            int col = sink;
            while (true)
            {
                int i = (int)pred[col];
                _y[col] = i;
                int next = _x[i];
                _x[i] = col;
                if (i == f) break;
                col = next;
            }
        }
    }
}
