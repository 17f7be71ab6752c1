using System.Numerics;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>Reshape (one dimension may be −1).</summary>
    public static Variable<T> Reshape<T>(Variable<T> a, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var original = a.Value.ShapeArray();
        return Make(a.Value.Reshape(shape), "Reshape", [a], g => [g.Reshape(original)]);
    }

    /// <summary>Axis permutation (a strided view; no copy).</summary>
    public static Variable<T> Permute<T>(Variable<T> a, params int[] axes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inverse = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) inverse[Shapes.NormalizeAxis(axes[i], axes.Length, "Permute")] = i;
        return Make(a.Value.Permute(axes), "Permute", [a], g => [g.Permute(inverse)]);
    }

    /// <summary>Swap of two axes (default: the last two).</summary>
    public static Variable<T> Transpose<T>(Variable<T> a, int axis0 = -2, int axis1 = -1) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.Transpose(axis0, axis1), "Transpose", [a], g => [g.Transpose(axis0, axis1)]);

    /// <summary>Strided slice along one axis; the gradient scatters back into zeros.</summary>
    public static Variable<T> Slice<T>(Variable<T> a, int axis, int start, int end, int step = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = a.Value.ShapeArray();
        return Make(a.Value.Slice(axis, start, end, step), "Slice", [a], g =>
        {
            var r = new Tensor<T>(shape);
            r.Slice(axis, start, end, step).CopyFrom(g);
            return [r];
        });
    }

    /// <summary>Broadcast to a larger shape; the gradient sums back.</summary>
    public static Variable<T> BroadcastTo<T>(Variable<T> a, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.BroadcastTo(shape), "BroadcastTo", [a], g => [g]);

    /// <summary>Concatenation along an axis.</summary>
    public static Variable<T> Concat<T>(IReadOnlyList<Variable<T>> parts, int axis) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parts.Count == 0) throw new ArgumentException("Concat needs at least one tensor");
        int rank = parts[0].Value.Rank;
        int ax = Shapes.NormalizeAxis(axis, rank, "Concat");
        var shape = parts[0].Value.ShapeArray();
        int total = 0;
        foreach (var p in parts)
        {
            var s = p.Value.ShapeArray();
            if (s.Length != rank || Enumerable.Range(0, rank).Any(i => i != ax && s[i] != shape[i]))
                throw new ShapeMismatchException("Concat", $"shapes must agree except along axis {ax}", shape, s);
            total += s[ax];
        }
        shape[ax] = total;
        var result = new Tensor<T>(shape);
        var starts = new int[parts.Count];
        int at = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            starts[i] = at;
            int len = parts[i].Value.Dim(ax);
            result.Slice(ax, at, at + len).CopyFrom(parts[i].Value);
            at += len;
        }
        return Make(result, "Concat", parts.ToArray(), g =>
            parts.Select((p, i) => (Tensor<T>?)g.Slice(ax, starts[i], starts[i] + p.Value.Dim(ax)).Contiguous()).ToArray());
    }

    /// <summary>Rows of a matrix picked by index (embedding lookup); the gradient scatter-adds.</summary>
    public static Variable<T> Gather<T>(Variable<T> table, int[] indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (table.Value.Rank != 2) throw new ShapeMismatchException("Gather", "table must be a matrix", table.Value.ShapeArray());
        int rows = table.Value.Dim(0), d = table.Value.Dim(1);
        var src = table.Value.Contiguous();
        var y = new Tensor<T>(indices.Length, d);
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)rows) throw new IndexOutOfRangeException($"Gather: index {indices[i]} out of range for table {Shapes.Format(table.Value.Shape)}");
            src.Span.Slice(indices[i] * d, d).CopyTo(y.Span.Slice(i * d, d));
        }
        return Make(y, "Gather", [table], g =>
        {
            var r = new Tensor<T>(rows, d); var gs = g.Contiguous().Span;
            for (int i = 0; i < indices.Length; i++)
                System.Numerics.Tensors.TensorPrimitives.Add<T>(r.Span.Slice(indices[i] * d, d), gs.Slice(i * d, d), r.Span.Slice(indices[i] * d, d));
            return [r];
        });
    }

    /// <summary>y[i] = a[i, index[i]] for a matrix a (used by cross-entropy).</summary>
    public static Variable<T> PickColumns<T>(Variable<T> a, int[] index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Value.Rank != 2 || a.Value.Dim(0) != index.Length)
            throw new ShapeMismatchException("PickColumns", "needs a matrix with one row per index", a.Value.ShapeArray(), new[] { index.Length });
        int n = a.Value.Dim(0), c = a.Value.Dim(1);
        var y = new Tensor<T>(n);
        for (int i = 0; i < n; i++)
        {
            if ((uint)index[i] >= (uint)c) throw new IndexOutOfRangeException($"PickColumns: index {index[i]} out of range for {c} columns");
            y.Span[i] = a.Value[i, index[i]];
        }
        return Make(y, "PickColumns", [a], g =>
        {
            var r = new Tensor<T>(n, c); var gs = g.Contiguous().Span;
            for (int i = 0; i < n; i++) r.Span[i * c + index[i]] = gs[i];
            return [r];
        });
    }
}
