namespace Noether.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// A view with a new shape and the same elements in row-major order. One dimension may be -1 (inferred).
    /// Shares storage when this tensor is contiguous; otherwise reshapes a contiguous copy.
    /// </summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int infer = -1, known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0) throw new ShapeMismatchException("Reshape", "only one dimension may be -1", _shape, shape);
                infer = i;
            }
            else if (resolved[i] < 0) throw new ShapeMismatchException("Reshape", "dimensions must be non-negative or -1", _shape, shape);
            else known *= resolved[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0) throw new ShapeMismatchException("Reshape", $"cannot infer the -1 dimension for {Length} elements", _shape, shape);
            resolved[infer] = Length / known;
        }
        if (Shapes.Size(resolved) != Length) throw new ShapeMismatchException("Reshape", $"element counts differ ({Length} vs {Shapes.Size(resolved)})", _shape, shape);
        var src = Contiguous();
        return new Tensor<T>(src.Storage, src.Offset, resolved, Shapes.ContiguousStrides(resolved));
    }

    /// <summary>A view with dimensions reordered: result dimension i is source dimension <paramref name="axes"/>[i].</summary>
    public Tensor<T> Permute(params int[] axes)
    {
        if (axes.Length != Rank) throw new ShapeMismatchException("Permute", $"needs {Rank} axes, got {axes.Length}", _shape, axes);
        var seen = new bool[Rank];
        var shape = new int[Rank];
        var strides = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int a = Shapes.NormalizeAxis(axes[i], Rank, "Permute");
            if (seen[a]) throw new ShapeMismatchException("Permute", $"axis {a} appears twice", _shape, axes);
            seen[a] = true;
            shape[i] = _shape[a];
            strides[i] = _strides[a];
        }
        return new Tensor<T>(Storage, Offset, shape, strides);
    }

    /// <summary>A view with two dimensions swapped (default: the last two).</summary>
    public Tensor<T> Transpose(int axis0 = -2, int axis1 = -1)
    {
        if (Rank < 2) throw new ShapeMismatchException("Transpose", "needs rank >= 2", _shape);
        var axes = Enumerable.Range(0, Rank).ToArray();
        int a = Shapes.NormalizeAxis(axis0, Rank, "Transpose"), b = Shapes.NormalizeAxis(axis1, Rank, "Transpose");
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>A view of elements start, start+step, … (exclusive of end) along one axis. Negative start/end count from the end.</summary>
    public Tensor<T> Slice(int axis, int start, int end, int step = 1)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, "Slice");
        int n = _shape[a];
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"Slice: step must be positive, got {step}");
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n);
        end = Math.Clamp(end, start, n);
        var shape = ShapeArray();
        var strides = (int[])_strides.Clone();
        shape[a] = (end - start + step - 1) / step;
        strides[a] = _strides[a] * step;
        return new Tensor<T>(Storage, Offset + (shape[a] > 0 ? start * _strides[a] : 0), shape, strides);
    }

    /// <summary>A view with index <paramref name="index"/> selected along <paramref name="axis"/> (rank drops by one).</summary>
    public Tensor<T> Select(int axis, int index)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, "Select");
        if ((uint)index >= (uint)_shape[a]) throw new IndexOutOfRangeException($"Select: index {index} out of range for axis {a} of shape {Shapes.Format(_shape)}");
        var shape = _shape.Where((_, i) => i != a).ToArray();
        var strides = _strides.Where((_, i) => i != a).ToArray();
        return new Tensor<T>(Storage, Offset + index * _strides[a], shape, strides);
    }

    /// <summary>A read-only broadcast view (stride 0 along expanded dimensions). Do not write through it.</summary>
    public Tensor<T> BroadcastTo(params int[] shape)
    {
        if (shape.Length < Rank) throw new ShapeMismatchException("BroadcastTo", "target has lower rank", _shape, shape);
        var strides = new int[shape.Length];
        int lead = shape.Length - Rank;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead) { strides[i] = 0; continue; }
            int d = _shape[i - lead];
            if (d == shape[i]) strides[i] = _strides[i - lead];
            else if (d == 1) strides[i] = 0;
            else throw new ShapeMismatchException("BroadcastTo", $"dimension {i} of size {d} cannot become {shape[i]}", _shape, shape);
        }
        return new Tensor<T>(Storage, Offset, (int[])shape.Clone(), strides);
    }

    /// <summary>A view with a new dimension of size 1 inserted at <paramref name="axis"/>.</summary>
    public Tensor<T> Unsqueeze(int axis)
    {
        int a = Shapes.NormalizeAxis(axis, Rank + 1, "Unsqueeze");
        var shape = _shape.ToList(); shape.Insert(a, 1);
        var strides = _strides.ToList(); strides.Insert(a, a < Rank ? _strides[a] * _shape[a] : 1);
        return new Tensor<T>(Storage, Offset, shape.ToArray(), strides.ToArray());
    }

    /// <summary>A view without the size-1 dimension at <paramref name="axis"/>.</summary>
    public Tensor<T> Squeeze(int axis)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, "Squeeze");
        if (_shape[a] != 1) throw new ShapeMismatchException("Squeeze", $"dimension {a} has size {_shape[a]}, not 1", _shape);
        return Select(a, 0);
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape) into this tensor's elements.</summary>
    public void CopyFrom(Tensor<T> source)
    {
        var src = source.Rank == Rank && Shapes.Equal(source.Shape, Shape) ? source : source.BroadcastTo(_shape);
        if (IsContiguous && src.IsContiguous) { src.Span.CopyTo(Span); return; } // a memmove: overlap is safe
        var data = src.ToArray();
        if (IsContiguous) data.CopyTo(Span);
        else StridedCopy.Scatter<T>(data, Storage.Span, Offset, _shape, _strides);
    }
}
