using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>Sum of all elements.</summary>
    public T Sum() => TP.Sum<T>(Contiguous().Span);

    /// <summary>Sum along one axis.</summary>
    public Tensor<T> Sum(int axis, bool keepDims = false) => Reduce(axis, keepDims, ReduceKind.Sum);

    /// <summary>Mean along one axis.</summary>
    public Tensor<T> Mean(int axis, bool keepDims = false) => Sum(axis, keepDims) / T.CreateChecked(Dim(axis));

    /// <summary>Mean of all elements.</summary>
    public T Mean() => Sum() / T.CreateChecked(Length);

    /// <summary>Maximum along one axis.</summary>
    public Tensor<T> Max(int axis, bool keepDims = false) => Reduce(axis, keepDims, ReduceKind.Max);

    /// <summary>Maximum of all elements.</summary>
    public T Max() => Length == 0 ? throw new InvalidOperationException("Max of an empty tensor") : TP.Max<T>(Contiguous().Span);

    /// <summary>log Σ exp along one axis, computed stably.</summary>
    public Tensor<T> LogSumExp(int axis, bool keepDims = false)
    {
        var m = Max(axis, keepDims: true);
        var safe = m.Map(v => T.IsFinite(v) ? v : T.Zero);
        var s = (this - safe).Exp().Sum(axis, keepDims: true).Log() + safe;
        return keepDims ? s : s.Squeeze(axis);
    }

    /// <summary>Softmax along one axis.</summary>
    public Tensor<T> Softmax(int axis = -1)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, "Softmax");
        if (a == Rank - 1)
        {
            var src = Contiguous(); var r = new Tensor<T>(ShapeArray());
            int n = _shape[a];
            if (n == 0) return r;
            for (int o = 0; o < Length; o += n)
            {
                // Shift by the row maximum first: TensorPrimitives.SoftMax exponentiates as is and overflows on large inputs.
                var row = src.Span.Slice(o, n); var dst = r.Span.Slice(o, n);
                T max = TP.Max<T>(row);
                if (T.IsFinite(max)) TP.Subtract<T>(row, max, dst); else row.CopyTo(dst);
                TP.SoftMax<T>(dst, dst);
            }
            return r;
        }
        var e = (this - Max(a, keepDims: true)).Exp();
        return e / e.Sum(a, keepDims: true);
    }

    /// <summary>Log-softmax along one axis.</summary>
    public Tensor<T> LogSoftmax(int axis = -1) => this - LogSumExp(axis, keepDims: true);

    /// <summary>Index of the maximum along one axis (first one on ties).</summary>
    public int[] ArgMax(int axis = -1)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, "ArgMax");
        var (outer, n, inner) = Split(a);
        if (n == 0) throw new InvalidOperationException($"ArgMax over an empty axis of shape {Shapes.Format(_shape)}");
        var src = Contiguous().Span;
        var result = new int[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0; T bv = src[o * n * inner + i];
                for (int j = 1; j < n; j++)
                {
                    T v = src[(o * n + j) * inner + i];
                    if (v > bv) { bv = v; best = j; }
                }
                result[o * inner + i] = best;
            }
        return result;
    }

    /// <summary>Sums a broadcast result back to a target shape (the adjoint of broadcasting).</summary>
    public Tensor<T> SumTo(ReadOnlySpan<int> target)
    {
        if (Shapes.Equal(Shape, target)) return this;
        var t = target.ToArray();
        Shapes.Broadcast(Shape, t, "SumTo");
        var x = this;
        while (x.Rank > t.Length) x = x.Sum(0);
        for (int i = 0; i < t.Length; i++)
            if (t[i] == 1 && x._shape[i] != 1) x = x.Sum(i, keepDims: true);
        return x.Reshape(t);
    }

    private enum ReduceKind { Sum, Max }

    private (int Outer, int N, int Inner) Split(int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= _shape[i];
        for (int i = axis + 1; i < Rank; i++) inner *= _shape[i];
        return (outer, _shape[axis], inner);
    }

    private Tensor<T> Reduce(int axis, bool keepDims, ReduceKind kind)
    {
        int a = Shapes.NormalizeAxis(axis, Rank, kind.ToString());
        var (outer, n, inner) = Split(a);
        if (n == 0 && kind == ReduceKind.Max) throw new InvalidOperationException($"Max over an empty axis of shape {Shapes.Format(_shape)}");
        var outShape = ShapeArray(); outShape[a] = 1;
        var result = new Tensor<T>(outShape);
        var src = Contiguous().Span; var dst = result.Span;
        if (n == 0) return keepDims ? result : result.Squeeze(a);
        for (int o = 0; o < outer; o++)
        {
            var d = dst.Slice(o * inner, inner);
            if (inner == 1)
            {
                var row = src.Slice(o * n, n);
                d[0] = kind == ReduceKind.Sum ? TP.Sum<T>(row) : TP.Max<T>(row);
                continue;
            }
            src.Slice(o * n * inner, inner).CopyTo(d);
            for (int j = 1; j < n; j++)
            {
                var row = src.Slice((o * n + j) * inner, inner);
                if (kind == ReduceKind.Sum) TP.Add<T>(d, row, d); else TP.Max<T>(d, row, d);
            }
        }
        return keepDims ? result : result.Squeeze(a);
    }
}
