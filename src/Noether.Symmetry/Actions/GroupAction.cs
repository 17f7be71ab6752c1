using System.Numerics;
using Noether.Nn;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Actions;

/// <summary>Applies elements of a derived weight-space group to a model's parameters (returns a new model).</summary>
public static class GroupAction
{
    /// <summary>
    /// θ ↦ g·θ for g = (g_1, …, g_k), one element per factor of <paramref name="spec"/>, applied factor by factor.
    /// With <paramref name="checkMembership"/> each g_i must belong to its factor's group. The input is not changed;
    /// parameters are computed in float64 one at a time (see <see cref="ApplyInPlace{T}"/> to save the copy).
    /// </summary>
    public static Model<T> Apply<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership = true)
        where T : unmanaged, IFloatingPointIeee754<T> => Apply(model, spec, element, checkMembership, CancellationToken.None);

    /// <summary>θ ↦ g·θ as above; <paramref name="cancel"/> stops it between factors.</summary>
    public static Model<T> Apply<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new Dictionary<string, Tensor<T>>();
        Run(model, spec, element, checkMembership, (name, value) => results[name] = value.Cast<T>(), null, cancel);
        cancel.ThrowIfCancellationRequested();
        return model.WithParameters(results);
    }

    /// <summary>
    /// θ ← g·θ in place: the same result as <see cref="Apply{T}"/> (bit for bit), written into
    /// <paramref name="model"/>'s own tensors, so the only extra memory is one parameter in float64 at a time. A
    /// model whose tensors map a file copy-on-write (<c>ModelFiles.LoadMapped</c>) changes in memory only.
    /// Returns the largest change of any parameter entry (computed in float64, before rounding to
    /// <typeparamref name="T"/>). <paramref name="progress"/> receives the fraction of factors done. When cancelled
    /// the model is left partly transformed.
    /// </summary>
    public static double ApplyInPlace<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership = true,
        IProgress<double>? progress = null, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        InPlaceGuard.RequireDistinctStorage(model, spec.Factors.SelectMany(Touched));
        double change = 0;
        Run(model, spec, element, checkMembership, (name, value) =>
        {
            try { change = Math.Max(change, WriteBack(model[name], value)); }
            catch (OverflowException e) { e.Data["tensor"] = name; throw; }
        }, progress, cancel);
        return change;
    }

    private static void Run<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership,
        Action<string, Tensor<double>> finish, IProgress<double>? progress, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(element);
        if (element.Factors.Count != spec.Factors.Count)
            throw new ArgumentException($"The element has {element.Factors.Count} factors but the spec of {spec.ModelName} has {spec.Factors.Count}");
        var work = new ParameterWork((name, allocate) => ParameterWork.Promote(model[name], allocate), finish, spec.Factors.Select(Touched).ToArray());
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var factor = spec.Factors[i];
            var g = element.Factors[i];
            if (checkMembership && !factor.Group.Contains(g))
                throw new ArgumentException($"Element {g} is not in the group {factor.Group} of factor '{factor.Name}'");
            ApplyPerSegment(work, factor, s => factor.SegmentElement(g, s));
            work.EndStep(i);
            progress?.Report((i + 1.0) / spec.Factors.Count);
        }
    }

    /// <summary>
    /// g·θ restricted to one parameter: the value <paramref name="name"/> takes under <paramref name="element"/>, from its
    /// value alone — the same numbers <see cref="Apply{T}(Model{T}, WeightSpaceSpec, ProductElement, bool)"/> gives it,
    /// factor by factor in the same order. It lets a checkpoint be transformed one tensor at a time (read, move, write,
    /// drop). Refused for parameters an affine shift reads or writes (those depend on another tensor).
    /// </summary>
    public static Tensor<double> ApplyToParameter(string name, Tensor<double> value, WeightSpaceSpec spec, ProductElement element, bool checkMembership = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(element);
        if (element.Factors.Count != spec.Factors.Count)
            throw new ArgumentException($"The element has {element.Factors.Count} factors but the spec of {spec.ModelName} has {spec.Factors.Count}");
        var t = value;
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var factor = spec.Factors[i];
            if (factor.AffineShifts.Any(a => a.Bias == name || a.Weight == name))
                throw new NotSupportedException($"Parameter '{name}' takes part in an affine shift of factor '{factor.Name}', which needs another tensor; transform the whole model");
            if (!factor.Bindings.Any(b => b.Parameter == name)) continue;
            var g = element.Factors[i];
            if (checkMembership && !factor.Group.Contains(g))
                throw new ArgumentException($"Element {g} is not in the group {factor.Group} of factor '{factor.Name}'");
            foreach (var b in factor.Bindings.Where(b => b.Parameter == name))
            {
                var m = factor.SegmentElement(g, b.Segment);
                var reference = b.ReferenceSegment is int r ? factor.SegmentElement(g, r) : null;
                t = ApplyBinding(t, b, m, reference);
            }
        }
        return t;
    }

    /// <summary>Every parameter a factor's action reads or changes.</summary>
    internal static IEnumerable<string> Touched(SymmetryFactor factor)
        => factor.Bindings.Select(b => b.Parameter).Concat(factor.AffineShifts.SelectMany(s => new[] { s.Bias, s.Weight }));

    /// <summary>Rounds float64 values into a <typeparamref name="T"/> tensor in place; returns the largest change.</summary>
    internal static double WriteBack<T>(Tensor<T> target, Tensor<double> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dst = target.Span;
        var src = values.Contiguous().Span;
        if (src.Length != dst.Length) throw new InvalidOperationException($"WriteBack: {src.Length} values for a tensor of {dst.Length}");
        double change = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            double d = Math.Abs(double.CreateChecked(dst[i]) - src[i]);
            if (d > change || double.IsNaN(d)) change = d;
            var rounded = T.CreateChecked(src[i]);
            if (T.IsInfinity(rounded) && double.IsFinite(src[i]))
            {
                var e = new OverflowException($"element {i} of a transformed tensor is {src[i]:G6}, beyond the range of {typeof(T).Name}");
                (e.Data["element"], e.Data["value"], e.Data["original"]) = (i, src[i], double.CreateChecked(dst[i]));
                throw e;
            }
            dst[i] = rounded;
        }
        return change;
    }

    /// <summary>
    /// Applies one factor with an explicit element per segment, bypassing the group (φ is not applied). Used to build
    /// transformations outside the derived group, e.g. to show that it is not too small.
    /// </summary>
    public static Model<T> ApplyPerSegment<T>(Model<T> model, SymmetryFactor factor, Func<int, GroupElement> segmentElement)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new Dictionary<string, Tensor<T>>();
        var work = new ParameterWork((name, allocate) => ParameterWork.Promote(model[name], allocate), (name, value) => results[name] = value.Cast<T>(), [Touched(factor)]);
        ApplyPerSegment(work, factor, segmentElement);
        work.EndStep(0);
        return model.WithParameters(results);
    }

    /// <summary>Queues one factor's action with an explicit element per segment on <paramref name="work"/>.</summary>
    internal static void ApplyPerSegment(ParameterWork work, SymmetryFactor factor, Func<int, GroupElement> segmentElement)
    {
        foreach (var b in factor.Bindings)
        {
            var m = segmentElement(b.Segment);
            var reference = b.ReferenceSegment is int r ? segmentElement(r) : null;
            work.Act(b.Parameter, t => ApplyBinding(t, b, m, reference));
        }
        foreach (var s in factor.AffineShifts) work[s.Bias] = Shift(work[s.Bias], work[s.Weight], s, segmentElement(s.Segment));
    }

    /// <summary>d ← d − W·u with u_i = (1 − s_i)·c/2 (see <see cref="AffineShift"/>); W is already transformed.</summary>
    private static Tensor<double> Shift(Tensor<double> bias, Tensor<double> weight, AffineShift s, GroupElement element)
    {
        if (element is not MonomialElement m) throw new InvalidOperationException($"An affine shift needs a signed permutation, not {element}");
        var u = Tensor<double>.FromArray(m.Scale.Select(v => (1 - Math.Sign(v)) * s.Offset / 2).ToArray(), m.Size, 1);
        var w = s.WeightAxis == 1 ? weight : weight.Transpose();
        return bias - w.MatMul(u).Reshape(bias.Dim(0));
    }

    /// <summary>
    /// The parameter with the binding's axis moved first and flattened to [axis length, rest], and the axis order used.
    /// </summary>
    private static (Tensor<double> Moved, int[] Axes) AxisFirst(Tensor<double> parameter, AxisBinding b)
    {
        var axes = new[] { b.Axis }.Concat(Enumerable.Range(0, parameter.Rank).Where(a => a != b.Axis)).ToArray();
        return (parameter.Permute(axes).Contiguous().Reshape(parameter.Dim(b.Axis), -1), axes);
    }

    /// <summary>The bound slice viewed as n channel rows of BlockSize·rest entries each (what the action transforms).</summary>
    public static Tensor<double> ChannelRows(Tensor<double> parameter, AxisBinding b, int n) => Rows(AxisFirst(parameter, b).Moved, parameter, b, n);

    private static Tensor<double> Rows(Tensor<double> moved, Tensor<double> parameter, AxisBinding b, int n)
    {
        if (b.Offset < 0 || b.Offset + b.Length > parameter.Dim(b.Axis) || b.Length != n * b.BlockSize)
            throw new ShapeMismatchException($"GroupAction on '{b.Parameter}'", $"binding [{b.Offset}, {b.Offset + b.Length}) in blocks of {b.BlockSize} does not fit axis {b.Axis} for an element of size {n}", parameter.ShapeArray(), [n, b.BlockSize]);
        return moved.Slice(0, b.Offset, b.Offset + b.Length).Contiguous().Reshape(n, -1);
    }

    /// <summary>
    /// Transforms the bound slice of one axis of a parameter this work owns: monomial elements in place (channel row
    /// i ← s_i · row p(i), the same products as <see cref="ApplyToAxis"/>), others through a transformed copy.
    /// </summary>
    private static Tensor<double> ApplyBinding(Tensor<double> parameter, AxisBinding b, GroupElement m, GroupElement? reference)
    {
        if (m is not MonomialElement mono || !parameter.IsContiguous) return ApplyToAxis(parameter, b, m, reference);
        int n = mono.Size;
        CheckFits(parameter, b, n);
        var scale = Scales(b.Rule, mono, reference);
        int axis = b.Axis, length = parameter.Dim(axis);
        long post = 1;
        for (int a = axis + 1; a < parameter.Rank; a++) post *= parameter.Dim(a);
        long outer = parameter.Length / Math.Max(1L, length * post);
        int row = checked((int)(b.BlockSize * post));
        var data = parameter.Span;
        var temp = new double[row];
        var done = new bool[n];
        for (long p = 0; p < outer; p++)
        {
            var region = data.Slice(checked((int)((p * length + b.Offset) * post)), n * row);
            Array.Clear(done);
            for (int c = 0; c < n; c++)
            {
                if (done[c]) continue;
                // Follow the cycle c ← p(c) ← p(p(c)) …, saving row c first since it is overwritten first.
                region.Slice(c * row, row).CopyTo(temp);
                for (int j = c; ;)
                {
                    done[j] = true;
                    int from = mono.Perm[j];
                    var to = region.Slice(j * row, row);
                    if (from == c) { System.Numerics.Tensors.TensorPrimitives.Multiply(temp, scale[j], to); break; }
                    if (done[from]) throw new InvalidOperationException($"{mono} is not a permutation");
                    System.Numerics.Tensors.TensorPrimitives.Multiply(region.Slice(from * row, row), scale[j], to);
                    j = from;
                }
            }
        }
        return parameter;
    }

    private static void CheckFits(Tensor<double> parameter, AxisBinding b, int n)
    {
        if (b.Axis < 0 || b.Axis >= parameter.Rank || b.Offset < 0 || b.Offset + b.Length > parameter.Dim(b.Axis) || b.Length != n * b.BlockSize)
            throw new ShapeMismatchException($"GroupAction on '{b.Parameter}'", $"binding [{b.Offset}, {b.Offset + b.Length}) in blocks of {b.BlockSize} does not fit axis {b.Axis} for an element of size {n}", parameter.ShapeArray(), [n, b.BlockSize]);
    }

    /// <summary>The per-channel factor a monomial element multiplies channel rows by under a binding's rule.</summary>
    private static double[] Scales(AxisRule rule, MonomialElement mono, GroupElement? reference) => rule switch
    {
        AxisRule.Covariant => mono.Scale.ToArray(),
        AxisRule.Contravariant => mono.Scale.Select(s => 1 / s).ToArray(),   // (A^{−T} x)_i = x_{p(i)} / s_i
        AxisRule.PermutationOnly => Enumerable.Repeat(1.0, mono.Size).ToArray(),
        AxisRule.Relative => reference is MonomialElement refm && refm.Perm.SequenceEqual(mono.Perm)
            ? mono.Scale.Zip(refm.Scale, (s, t) => s / t).ToArray()
            : throw new InvalidOperationException("A relative binding needs monomial elements with one shared permutation"),
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    /// <summary>Transforms the bound slice of one axis of a parameter.</summary>
    internal static Tensor<double> ApplyToAxis(Tensor<double> parameter, AxisBinding b, GroupElement m, GroupElement? reference)
    {
        int rank = parameter.Rank;
        var (moved, axes) = AxisFirst(parameter, b);
        var region = Rows(moved, parameter, b, m.Size);
        int rest = moved.Dim(1);
        var result = Transform(region, b.Rule, m, reference).Reshape(b.Length, rest);
        var updated = moved.Clone();
        updated.Slice(0, b.Offset, b.Offset + b.Length).CopyFrom(result);
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[axes[i]] = i;
        return updated.Reshape(axes.Select(a => parameter.Dim(a)).ToArray()).Permute(inverse).Contiguous();
    }

    private static Tensor<double> Transform(Tensor<double> rows, AxisRule rule, GroupElement m, GroupElement? reference)
    {
        if (m is MonomialElement mono)
        {
            var scale = Scales(rule, mono, reference);
            var r = new Tensor<double>(rows.ShapeArray());
            int w = rows.Dim(1);
            var src = rows.Span; var dst = r.Span;
            for (int i = 0; i < mono.Size; i++)
            {
                var from = src.Slice(mono.Perm[i] * w, w); var to = dst.Slice(i * w, w);
                System.Numerics.Tensors.TensorPrimitives.Multiply(from, scale[i], to);
            }
            return r;
        }
        var matrix = rule switch
        {
            AxisRule.Covariant => m.ToMatrix(),
            AxisRule.Contravariant => Tensors.Linalg.Linalg.Inverse(m.ToMatrix()).Transpose(),
            _ => throw new InvalidOperationException($"Rule {rule} applies to monomial elements only, not to {m}"),
        };
        return matrix.MatMul(rows);
    }
}
