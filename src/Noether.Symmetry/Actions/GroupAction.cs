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
    /// With <paramref name="checkMembership"/> each g_i must belong to its factor's group.
    /// </summary>
    public static Model<T> Apply<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership = true)
        where T : unmanaged, IFloatingPointIeee754<T> => Apply(model, spec, element, checkMembership, CancellationToken.None);

    /// <summary>θ ↦ g·θ as above; <paramref name="cancel"/> stops it between parameters.</summary>
    public static Model<T> Apply<T>(Model<T> model, WeightSpaceSpec spec, ProductElement element, bool checkMembership, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (element.Factors.Count != spec.Factors.Count)
            throw new ArgumentException($"The element has {element.Factors.Count} factors but the spec of {spec.ModelName} has {spec.Factors.Count}");
        var work = new Dictionary<string, Tensor<double>>();
        Tensor<double> Get(string name) => work.TryGetValue(name, out var t) ? t : work[name] = model[name].Cast<double>();
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var factor = spec.Factors[i];
            var g = element.Factors[i];
            if (checkMembership && !factor.Group.Contains(g))
                throw new ArgumentException($"Element {g} is not in the group {factor.Group} of factor '{factor.Name}'");
            foreach (var b in factor.Bindings)
            {
                cancel.ThrowIfCancellationRequested();
                var m = factor.SegmentElement(g, b.Segment);
                var reference = b.ReferenceSegment is int r ? factor.SegmentElement(g, r) : null;
                work[b.Parameter] = ApplyToAxis(Get(b.Parameter), b, m, reference);
            }
            foreach (var s in factor.AffineShifts) work[s.Bias] = Shift(Get(s.Bias), Get(s.Weight), s, factor.SegmentElement(g, s.Segment));
        }
        cancel.ThrowIfCancellationRequested();
        return model.WithParameters(work.ToDictionary(kv => kv.Key, kv => kv.Value.Cast<T>()));
    }

    /// <summary>
    /// Applies one factor with an explicit element per segment, bypassing the group (φ is not applied). Used to build
    /// transformations outside the derived group, e.g. to show that it is not too small.
    /// </summary>
    public static Model<T> ApplyPerSegment<T>(Model<T> model, SymmetryFactor factor, Func<int, GroupElement> segmentElement)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var work = new Dictionary<string, Tensor<double>>();
        Tensor<double> Get(string name) => work.TryGetValue(name, out var t) ? t : model[name].Cast<double>();
        foreach (var b in factor.Bindings)
            work[b.Parameter] = ApplyToAxis(Get(b.Parameter), b, segmentElement(b.Segment), b.ReferenceSegment is int r ? segmentElement(r) : null);
        foreach (var s in factor.AffineShifts) work[s.Bias] = Shift(Get(s.Bias), Get(s.Weight), s, segmentElement(s.Segment));
        return model.WithParameters(work.ToDictionary(kv => kv.Key, kv => kv.Value.Cast<T>()));
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
            var scale = rule switch
            {
                AxisRule.Covariant => mono.Scale.ToArray(),
                AxisRule.Contravariant => mono.Scale.Select(s => 1 / s).ToArray(),   // (A^{−T} x)_i = x_{p(i)} / s_i
                AxisRule.PermutationOnly => Enumerable.Repeat(1.0, mono.Size).ToArray(),
                AxisRule.Relative => reference is MonomialElement refm && refm.Perm.SequenceEqual(mono.Perm)
                    ? mono.Scale.Zip(refm.Scale, (s, t) => s / t).ToArray()
                    : throw new InvalidOperationException("A relative binding needs monomial elements with one shared permutation"),
                _ => throw new ArgumentOutOfRangeException(nameof(rule)),
            };
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
