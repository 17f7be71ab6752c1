using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Alignment.Matching;

/// <summary>
/// The weight-matching objective of one permutation factor (Git Re-Basin): C[i, j] = Σ_bindings ⟨row i of A, row j of B⟩
/// with B already moved by every other factor. Segments that may flip signs contribute |C| (the sign is chosen per pair);
/// factors whose rows other GL factors also move (attention heads) compare GL-invariant products instead.
/// </summary>
internal sealed class MatchingCost
{
    private MatchingCost(int n) { N = n; Values = new double[n * n]; }

    public int N { get; }

    /// <summary>Row-major n×n similarity (maximised).</summary>
    public double[] Values { get; }

    /// <summary>Per signable root segment, the part whose sign that segment's flip reverses.</summary>
    private readonly Dictionary<int, double[]> _signed = new();

    /// <summary>Parts reversed by the product of two segments' signs (a norm gain between two signable segments).</summary>
    private readonly Dictionary<(int, int), double[]> _coupled = new();

    private double[] _fixed = [];

    /// <summary>Whether any sign is chosen.</summary>
    public bool HasSigns => _signed.Count > 0 || _coupled.Count > 0;

    /// <summary>Σ_i C[i, perm[i]].</summary>
    public double Objective(int[] perm)
    {
        double s = 0;
        for (int i = 0; i < N; i++) s += Values[i * N + perm[i]];
        return s;
    }

    /// <summary>The sign each signable segment takes for the matched pairs.</summary>
    public Dictionary<int, double[]> Signs(int[] perm)
    {
        var roots = Roots();
        var result = roots.ToDictionary(r => r, _ => new double[N]);
        for (int i = 0; i < N; i++)
        {
            var s = SolveSigns(i * N + perm[i], roots);
            for (int k = 0; k < roots.Length; k++) result[roots[k]][i] = s[k];
        }
        return result;
    }

    private int[] Roots() => _signed.Keys.Concat(_coupled.Keys.SelectMany(k => new[] { k.Item1, k.Item2 })).Distinct().Order().ToArray();

    /// <summary>Signs maximising the pair's similarity: start from each segment's own part, then ascend (few segments couple).</summary>
    private double[] SolveSigns(int idx, int[] roots)
    {
        var s = roots.Select(r => _signed.TryGetValue(r, out var d) && d[idx] < 0 ? -1.0 : 1.0).ToArray();
        for (int iter = 0; iter < 8 && _coupled.Count > 0; iter++)
        {
            bool changed = false;
            for (int k = 0; k < roots.Length; k++)
            {
                double field = _signed.TryGetValue(roots[k], out var d) ? d[idx] : 0;
                foreach (var ((p, q), c) in _coupled)
                    if (p == roots[k]) field += s[Array.IndexOf(roots, q)] * c[idx];
                    else if (q == roots[k]) field += s[Array.IndexOf(roots, p)] * c[idx];
                double next = field < 0 ? -1 : 1;
                if (next != s[k]) { s[k] = next; changed = true; }
            }
            if (!changed) break;
        }
        return s;
    }

    private void Finish()
    {
        var roots = Roots();
        for (int idx = 0; idx < Values.Length; idx++)
        {
            double v = _fixed[idx];
            if (roots.Length > 0)
            {
                var s = SolveSigns(idx, roots);
                for (int k = 0; k < roots.Length; k++) if (_signed.TryGetValue(roots[k], out var d)) v += s[k] * d[idx];
                foreach (var ((p, q), c) in _coupled) v += s[Array.IndexOf(roots, p)] * s[Array.IndexOf(roots, q)] * c[idx];
            }
            Values[idx] = v;
        }
    }

    /// <summary>
    /// The cost of factor <paramref name="f"/>; with <paramref name="ready"/> only the bindings it accepts count (e.g.
    /// those whose other axes earlier factors have already aligned), unless it accepts none.
    /// </summary>
    public static MatchingCost For(SymmetryFactor f, Model<double> a, Model<double> b, Func<AxisBinding, bool>? ready = null)
    {
        int n = f.Channels;
        var cost = new MatchingCost(n);
        if (f.InvariantKey is { } key)
        {
            AddInvariant(cost, key, a, b, n);
            return cost;
        }
        var kinds = FactorKinds.SegmentDiagonals(f);
        cost._fixed = new double[n * n];
        // Statistics (BatchNorm running means and variances) are not weights: Σ μ_A·μ_B would match channels by the rank
        // of their statistics (rearrangement inequality), not by what they compute.
        var weights = f.Bindings.Where(x => x.Rule != AxisRule.PermutationOnly).ToArray();
        var bindings = ready is not null && weights.Any(ready) ? weights.Where(ready) : weights;
        foreach (var binding in bindings)
        {
            var g = Correlation(a, b, binding, n);
            var (r1, r2) = FactorKinds.FlipRoots(f, binding, kinds);
            double[] acc;
            if (r1 is int p && r2 is int q)
            {
                var key2 = (Math.Min(p, q), Math.Max(p, q));
                if (!cost._coupled.TryGetValue(key2, out acc!)) cost._coupled[key2] = acc = new double[n * n];
            }
            else if ((r1 ?? r2) is int r)
            {
                if (!cost._signed.TryGetValue(r, out acc!)) cost._signed[r] = acc = new double[n * n];
            }
            else acc = cost._fixed;
            System.Numerics.Tensors.TensorPrimitives.Add(acc, g, acc);
        }
        cost.Finish();
        return cost;
    }

    /// <summary>R_A·R_Bᵀ for one binding's channel rows.</summary>
    private static double[] Correlation(Model<double> a, Model<double> b, AxisBinding binding, int n)
    {
        var ra = GroupAction.ChannelRows(a[binding.Parameter], binding, n);
        var rb = GroupAction.ChannelRows(b[binding.Parameter], binding, n);
        return ra.MatMul(rb.Transpose()).Contiguous().ToArray();
    }

    /// <summary>C[i, j] = ⟨F_A(i), F_B(j)⟩ with F(c) = Σ over c's blocks of Lᵀ·R, unchanged by GL on each block pair.</summary>
    private static void AddInvariant(MatchingCost cost, BilinearKey key, Model<double> a, Model<double> b, int n)
    {
        var fa = Features(a, key, n);
        var fb = Features(b, key, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cost.Values[i * n + j] = System.Numerics.Tensors.TensorPrimitives.Dot(fa[i], fb[j]);
    }

    private static double[][] Features(Model<double> m, BilinearKey key, int n)
    {
        var left = m[key.Left];
        var right = m[key.Right];
        int cols = left.Dim(1);
        return Enumerable.Range(0, n).Select(c =>
        {
            var f = new Tensor<double>(cols, cols);
            foreach (var l in key.LeftRowStarts[c])
                foreach (var r in key.RightRowStarts[c])
                    f = f + left.Slice(0, l, l + key.BlockRows).Transpose().MatMul(right.Slice(0, r, r + key.BlockRows));
            return f.Contiguous().ToArray();
        }).ToArray();
    }
}
