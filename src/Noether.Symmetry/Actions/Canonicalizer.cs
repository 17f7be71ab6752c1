using System.Numerics;
using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Actions;

/// <summary>What canonicalisation did to one factor.</summary>
public sealed record CanonicalStep(string Factor, string Action);

/// <summary>
/// Maps weights to a unique representative of their orbit under the derived group, factor by factor in graph order:
/// each channel's incoming weights (the factor's first covariant binding, whose other axes belong to spaces already
/// canonical) are normalised to unit norm where positive scales are free and made to have a positive largest entry
/// where signs are free; then channels are sorted by a fixed linear functional of those rows. GL(n) factors are
/// brought to reduced row-echelon form (their first covariant block's leading n×n block becomes I).
/// The result is idempotent and invariant on orbits, and computes the same function.
/// </summary>
public static partial class Canonicalizer
{
    /// <summary>Canonical weights and a log of what each factor did (the input is not changed).</summary>
    public static (Model<T> Model, IReadOnlyList<CanonicalStep> Steps) Canonicalize<T>(Model<T> model, WeightSpaceSpec spec)
        where T : unmanaged, IFloatingPointIeee754<T> => Canonicalize(model, spec, CancellationToken.None);

    /// <summary>Canonical weights and a log of what each factor did; <paramref name="cancel"/> stops it between factors.</summary>
    public static (Model<T> Model, IReadOnlyList<CanonicalStep> Steps) Canonicalize<T>(Model<T> model, WeightSpaceSpec spec, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new Dictionary<string, Tensor<T>>();
        var steps = Run(model, spec, (name, value) => results[name] = value.Cast<T>(), null, cancel);
        foreach (var (name, t) in model.Parameters) results.TryAdd(name, t.Clone()); // no storage shared with the input
        return (model.WithParameters(results), steps);
    }

    /// <summary>
    /// Canonicalises <paramref name="model"/>'s own tensors in place: the same result as
    /// <see cref="Canonicalize{T}"/> (bit for bit) with only the parameters of one factor in float64 at a time.
    /// <paramref name="progress"/> receives the fraction of factors done; when cancelled the model is left partly changed.
    /// </summary>
    public static IReadOnlyList<CanonicalStep> CanonicalizeInPlace<T>(Model<T> model, WeightSpaceSpec spec,
        IProgress<double>? progress = null, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        InPlaceGuard.RequireDistinctStorage(model, spec.Factors.SelectMany(f => GroupAction.Touched(f)
            .Concat(f.InvariantKey is { } k ? [k.Left, k.Right] : Array.Empty<string>())));
        return Run(model, spec, (name, value) => GroupAction.WriteBack(model[name], value), progress, cancel);
    }

    private static IReadOnlyList<CanonicalStep> Run<T>(Model<T> model, WeightSpaceSpec spec, Action<string, Tensor<double>> finish,
        IProgress<double>? progress, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        // GL(n) factors whose covariant rows other factors only permute (a linear bottleneck between ReLU6 units) go
        // first: their canonical form does not depend on the order of those columns, and once they are fixed, the
        // permuting factors can sort rows the GL factor moved (see Linear). Other factors keep their order.
        var early = spec.Factors.Where(f => f.Group is GeneralLinearGroup && OnlyPermutedElsewhere(spec, f)).ToList();
        var ordered = early.Concat(spec.Factors.Where(f => !early.Contains(f))).ToList();
        var touched = ordered.Select(f => GroupAction.Touched(f)
            .Concat(f.InvariantKey is { } k ? [k.Left, k.Right] : Array.Empty<string>())).ToArray();
        var work = new ParameterWork((name, allocate) => ParameterWork.Promote(model[name], allocate), finish, touched);
        var steps = new List<CanonicalStep>();
        var linearParameters = spec.Factors.Where(f => f.Group is GeneralLinearGroup or ScaledRotationGroup).SelectMany(f => f.Bindings.Select(b => b.Parameter)).ToHashSet();
        var movedElsewhere = MovedElsewhere(spec);
        for (int i = 0; i < ordered.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var factor = ordered[i];
            bool sharesWithLinear = factor.Group is not (GeneralLinearGroup or ScaledRotationGroup) && factor.Bindings.Any(b => linearParameters.Contains(b.Parameter) && b.Rule != AxisRule.Contravariant)
                && !Incoming(factor, null, linearParameters).Any(b => !linearParameters.Contains(b.Parameter));
            var action = factor.Group switch
            {
                MonomialGroup { Permutations: true, Diagonal: DiagonalKind.None } when factor.InvariantKey is { } key => SortByKey(work, factor, key),
                _ when sharesWithLinear => "left as is: its incoming weights are also moved by GL(n) factors, so no invariant sort key exists",
                MonomialGroup or ChannelGroup => Monomial(work, factor, linearParameters),
                GeneralLinearGroup => Linear(work, factor),
                ScaledRotationGroup r => ScaledRotation(work, factor, r),
                OrthogonalGroup => Orthogonal(work, factor, movedElsewhere),
                _ => $"left as is: no canonical form for {factor.Group.Name}",
            };
            // A GL factor canonicalised invariantly (early, or after every factor that moves its rows: a transposed
            // conv behind ReLU units) fixes its weights for good: later factors may scale and sort by them, unless
            // a GL factor still to come moves them too.
            if (action.StartsWith("rows whitened", StringComparison.Ordinal) && (i < early.Count || RowsFixedBefore(spec, factor, ordered, i)))
            {
                var pending = ordered.Skip(i + 1).Where(f => f.Group is GeneralLinearGroup).SelectMany(f => f.Bindings.Select(b => b.Parameter)).ToHashSet();
                linearParameters.ExceptWith(factor.Bindings.Select(b => b.Parameter).Where(p => !pending.Contains(p)));
            }
            work.EndStep(i);
            steps.Add(new CanonicalStep(factor.Name, action));
            progress?.Report((i + 1.0) / spec.Factors.Count);
        }
        return steps;
    }

    /// <summary>Whether every other factor that binds the GL factor's first covariant weight comes before it in <paramref name="ordered"/>.</summary>
    private static bool RowsFixedBefore(WeightSpaceSpec spec, SymmetryFactor f, List<SymmetryFactor> ordered, int index)
    {
        var covariant = f.Bindings.FirstOrDefault(b => b.Rule == AxisRule.Covariant)?.Parameter;
        if (covariant is null) return false;
        return spec.Factors.Where(o => !ReferenceEquals(o, f) && o.Bindings.Any(b => b.Parameter == covariant))
            .All(o => ordered.IndexOf(o) < index);
    }

    /// <summary>Whether every other factor that binds the GL factor's first covariant weight is a pure permutation group.</summary>
    private static bool OnlyPermutedElsewhere(WeightSpaceSpec spec, SymmetryFactor f)
    {
        var covariant = f.Bindings.FirstOrDefault(b => b.Rule == AxisRule.Covariant)?.Parameter;
        if (covariant is null) return false;
        return spec.Factors.Where(o => !ReferenceEquals(o, f) && o.Bindings.Any(b => b.Parameter == covariant))
            .All(o => o.Group is MonomialGroup { Diagonal: DiagonalKind.None }
                || o.Group is ChannelGroup c && c.SegmentDiagonals.All(d => d == DiagonalKind.None));
    }

    /// <summary>The rows [n, block·rest] of a binding's slice, as the action sees them.</summary>
    private static Tensor<double> Rows(ParameterWork m, AxisBinding b, int n) => GroupAction.ChannelRows(m[b.Parameter], b, n);

    /// <summary>
    /// Per factor, the parameters some other factor moves too (for <see cref="Orthogonal"/>); one pass over the
    /// bindings, since a lookup per factor would cost factors² on deep graphs.
    /// </summary>
    private static Func<SymmetryFactor, IReadOnlySet<string>> MovedElsewhere(WeightSpaceSpec spec)
    {
        var owners = new Dictionary<string, HashSet<SymmetryFactor>>(StringComparer.Ordinal);
        foreach (var f in spec.Factors)
            foreach (var b in f.Bindings)
            {
                if (!owners.TryGetValue(b.Parameter, out var set)) owners[b.Parameter] = set = new(ReferenceEqualityComparer.Instance);
                set.Add(f);
            }
        return f => owners.Where(kv => kv.Value.Count > (kv.Value.Contains(f) ? 1 : 0)).Select(kv => kv.Key).ToHashSet();
    }

    /// <summary>
    /// A factor's incoming (covariant or relative) bindings, of one segment or all, those no GL factor also moves
    /// first (a bias next to an output projection whose columns a per-head GL(d_k) moves): their rows are invariant.
    /// </summary>
    private static IEnumerable<AxisBinding> Incoming(SymmetryFactor f, int? segment, IReadOnlySet<string> linear)
        => f.Bindings.Where(b => b.Rule is AxisRule.Covariant or AxisRule.Relative && (segment is null || b.Segment == segment))
            .OrderBy(b => linear.Contains(b.Parameter) ? 1 : 0);

    private static string Monomial(ParameterWork model, SymmetryFactor f, IReadOnlySet<string> linear)
    {
        int n = f.Channels;
        bool permutations = f.Group is MonomialGroup { Permutations: true } or ChannelGroup { Permutations: true };
        var kinds = f.Group is ChannelGroup c ? c.SegmentDiagonals : [((MonomialGroup)f.Group).Diagonal];
        var independent = f.Segments.Where(s => s.Parent is null).Select(s => s.Index).ToList();
        var actions = new List<string>();
        // 1. Fix the free diagonal of each independent segment from its first covariant (or relative) binding.
        //    Segments that others are relative to (a norm's input) go first, so later gains are measured against them.
        var referenced = f.Bindings.Where(b => b.ReferenceSegment is not null).Select(b => b.ReferenceSegment!.Value).ToHashSet();
        foreach (int k in Enumerable.Range(0, independent.Count).OrderBy(k => referenced.Contains(independent[k]) ? 0 : 1))
        {
            var kind = kinds[k];
            if (kind == DiagonalKind.None) continue;
            int seg = independent[k];
            var binding = Incoming(f, seg, linear).FirstOrDefault();
            if (binding is null) { actions.Add($"segment {seg}: no incoming weights, scale left free"); continue; }
            var rows = Rows(model, binding, n);
            var scale = new double[n];
            for (int i = 0; i < n; i++)
            {
                var row = rows.Select(0, i).ToArray();
                double norm = Math.Sqrt(row.Sum(v => v * v));
                double largest = row.Length == 0 ? 1 : row.MaxBy(Math.Abs);
                double sign = largest < 0 ? -1 : 1;
                scale[i] = kind switch
                {
                    DiagonalKind.Positive => norm > 0 ? 1 / norm : 1,
                    DiagonalKind.Sign => sign,
                    _ => norm > 0 ? sign / norm : sign,
                };
            }
            // The factor's element that scales this segment only; the factor itself gives dependent segments their φ-image.
            GroupElement element = f.Group is ChannelGroup
                ? new ChannelElement(Enumerable.Range(0, n).ToArray(), kinds.Select((_, j) => j == k ? scale : Enumerable.Repeat(1.0, n).ToArray()).ToArray())
                : MonomialElement.FromDiagonal(scale);
            GroupAction.ApplyPerSegment(model, f, s => f.SegmentElement(element, s));
            actions.Add($"segment {seg}: {(kind == DiagonalKind.Sign ? "signs fixed" : "incoming norms set to 1")}");
        }
        // 2. Sort channels by a fixed functional of the first covariant binding's rows.
        if (permutations)
        {
            var binding = Incoming(f, null, linear).FirstOrDefault();
            if (binding is not null)
            {
                var rows = Rows(model, binding, n);
                int width = rows.Dim(1);
                var weights = new double[width];
                for (int j = 0; j < width; j++) weights[j] = 1 + Math.Sin(1.7 * j + 0.3); // fixed, generic, positive
                var keys = Enumerable.Range(0, n).Select(i => rows.Select(0, i).ToArray().Select((v, j) => v * weights[j]).Sum()).ToArray();
                var perm = Enumerable.Range(0, n).OrderBy(i => keys[i]).ThenBy(i => i).ToArray();
                GroupAction.ApplyPerSegment(model, f, _ => MonomialElement.FromPermutation(perm));
                actions.Add("channels sorted");
            }
        }
        return actions.Count == 0 ? "nothing free" : string.Join("; ", actions);
    }

    private static string SortByKey(ParameterWork model, SymmetryFactor f, BilinearKey key)
    {
        var left = model[key.Left]; var right = model[key.Right];
        int d = left.Dim(1);
        var u = Enumerable.Range(0, d).Select(a => 1 + Math.Sin(1.3 * a + 0.2)).ToArray();
        var v = Enumerable.Range(0, right.Dim(1)).Select(b => 1 + Math.Cos(0.7 * b + 0.5)).ToArray();
        double[] Project(Tensor<double> p, int row, double[] w)
        {
            var r = new double[key.BlockRows];
            for (int i = 0; i < key.BlockRows; i++) r[i] = p.Select(0, row + i).ToArray().Select((x, k) => x * w[k]).Sum();
            return r;
        }
        var keys = Enumerable.Range(0, f.Channels).Select(c =>
            key.LeftRowStarts[c].Sum(l => key.RightRowStarts[c].Sum(r => Project(left, l, u).Zip(Project(right, r, v), (a, b) => a * b).Sum()))).ToArray();
        var perm = Enumerable.Range(0, f.Channels).OrderBy(c => keys[c]).ThenBy(c => c).ToArray();
        GroupAction.ApplyPerSegment(model, f, _ => MonomialElement.FromPermutation(perm));
        return "sorted by the GL-invariant form uᵀ·W_Qᵀ·W_K·v";
    }

    /// <summary>
    /// O(n): with W the first covariant rows, W·Wᵀ = V·Λ·Vᵀ (eigenvalues descending) and Q = Vᵀ, so Q·W has orthogonal rows
    /// sorted by norm; under W ← R·W the eigenvectors become R·V and Q·W is unchanged. Each row's sign is fixed by its
    /// largest entry. Needs distinct eigenvalues (generic weights).
    /// </summary>
    private static string Orthogonal(ParameterWork model, SymmetryFactor f, Func<SymmetryFactor, IReadOnlySet<string>> movedElsewhere)
    {
        int n = f.Channels;
        // Rows whose other axes no other factor moves (e.g. an embedding and a positional table): their Gram matrix
        // changes only by this factor's rotation.
        var elsewhere = movedElsewhere(f);
        var own = f.Bindings.Where(b => b.Rule == AxisRule.Covariant && !elsewhere.Contains(b.Parameter)).ToList();
        if (own.Count == 0) return "left as is: no covariant weights that only this factor moves";
        var rows = Concat(own.Select(b => Rows(model, b, n)).ToList());
        var (values, vectors) = Tensors.Linalg.Linalg.SymmetricEigen(rows.MatMul(rows.Transpose()));
        var lambda = values.ToArray();
        var gaps = lambda.Zip(lambda.Skip(1), (a, b) => b - a).DefaultIfEmpty(1).Min();
        if (gaps <= 1e-9 * Math.Max(1, Math.Abs(lambda[^1]))) return "left as is: repeated singular values leave a rotation free";
        var descending = new Tensor<double>(n, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) descending[i, j] = vectors[j, n - 1 - i]; // row i = eigenvector of the i-th largest value
        var projected = descending.MatMul(rows);
        for (int i = 0; i < n; i++)
        {
            var row = projected.Select(0, i).ToArray();
            if (row.MaxBy(Math.Abs) < 0) for (int j = 0; j < n; j++) descending[i, j] = -descending[i, j];
        }
        var rotation = new MatrixElement(descending);
        GroupAction.ApplyPerSegment(model, f, _ => rotation);
        return "rows rotated onto the eigenvectors of W·Wᵀ (principal axes), signs fixed";
    }

    private static Tensor<double> Concat(List<Tensor<double>> blocks)
    {
        int n = blocks[0].Dim(0), width = blocks.Sum(b => b.Dim(1)), at = 0;
        var all = new Tensor<double>(n, width);
        foreach (var b in blocks) { all.Slice(1, at, at + b.Dim(1)).CopyFrom(b); at += b.Dim(1); }
        return all;
    }

    /// <summary>
    /// GL(n): with R the first covariant rows [n × m], whiten them (A = (R·Rᵀ)^{−1/2}, so Y = A·R has orthonormal rows),
    /// then rotate onto the principal axes of the fourth-moment matrix M = Σ_j ‖y_j‖² y_j y_jᵀ over the columns y_j of
    /// Y, descending, each row's sign fixed by the sign of Σ_j z_ij³. Under R ← g·R every step commutes, and since
    /// both matrices are sums over columns, a permutation of the columns (another factor's units) changes nothing:
    /// canon(g·θ) = canon(θ) also when the column order is not canonical. Needs distinct eigenvalues of M (generic
    /// weights); otherwise the leading block is set to I (row-echelon form), which is invariant only under GL itself.
    /// </summary>
    private static string Linear(ParameterWork model, SymmetryFactor f)
    {
        int n = f.Channels;
        var binding = f.Bindings.FirstOrDefault(b => b.Rule == AxisRule.Covariant);
        if (binding is null) return "left as is: no covariant weights";
        var rows = Rows(model, binding, n);
        int m = rows.Dim(1);
        if (m < n) return $"left as is: the {n} rows have only {m} entries";
        var (pValues, pVectors) = Tensors.Linalg.Linalg.SymmetricEigen(rows.MatMul(rows.Transpose()));
        var lambda = pValues.ToArray();
        if (lambda[0] <= 1e-10 * lambda[^1]) return "left as is: the covariant rows are rank-deficient";
        var whiten = new Tensor<double>(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += pVectors[i, k] * pVectors[j, k] / Math.Sqrt(lambda[k]);
                whiten[i, j] = sum;
            }
        var y = whiten.MatMul(rows);
        var weighted = y.Clone();
        for (int j = 0; j < m; j++)
        {
            double norm2 = 0;
            for (int i = 0; i < n; i++) norm2 += y[i, j] * y[i, j];
            for (int i = 0; i < n; i++) weighted[i, j] *= norm2;
        }
        var (mValues, mVectors) = Tensors.Linalg.Linalg.SymmetricEigen(weighted.MatMul(y.Transpose()));
        var mu = mValues.ToArray();
        double gap = mu.Zip(mu.Skip(1), (a, b) => b - a).DefaultIfEmpty(1).Min();
        if (gap <= 1e-8 * Math.Max(1e-300, Math.Abs(mu[^1]))) return Echelon(model, f, rows);
        var rotation = new Tensor<double>(n, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) rotation[i, j] = mVectors[j, n - 1 - i];
        var z = rotation.MatMul(y);
        for (int i = 0; i < n; i++)
        {
            double skew = 0;
            for (int j = 0; j < m; j++) skew += z[i, j] * z[i, j] * z[i, j];
            if (skew < 0) for (int j = 0; j < n; j++) rotation[i, j] = -rotation[i, j];
        }
        var g = new MatrixElement(rotation.MatMul(whiten));
        GroupAction.ApplyPerSegment(model, f, _ => g);
        return "rows whitened and rotated onto the principal axes of their fourth moment, signs by skewness";
    }

    /// <summary>The leading n×n block of the rows set to I (row-echelon form).</summary>
    private static string Echelon(ParameterWork model, SymmetryFactor f, Tensor<double> rows)
    {
        int n = f.Channels;
        var lead = rows.Slice(1, 0, n).Contiguous();
        var (_, s, _) = Tensors.Linalg.Linalg.Svd(lead);
        var sv = s.ToArray();
        if (sv[^1] <= 1e-10 * sv[0]) return "left as is: the leading block is singular";
        var a = new MatrixElement(Tensors.Linalg.Linalg.Inverse(lead));
        GroupAction.ApplyPerSegment(model, f, _ => a);
        return "leading block set to I (row-echelon form; the fourth moment has repeated eigenvalues)";
    }
}
