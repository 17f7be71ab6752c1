using Noether.Tensors.Kernels;

namespace Noether.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Matrix product over the last two axes, with NumPy broadcasting of leading (batch) axes.
    /// Transposed and sliced views are multiplied in place through their strides, without copies.
    /// </summary>
    public Tensor<T> MatMul(Tensor<T> other, int maxThreads = 0)
    {
        if (Rank < 2 || other.Rank < 2)
            throw new ShapeMismatchException("MatMul", "both operands need rank >= 2", ShapeArray(), other.ShapeArray());
        int m = _shape[^2], k = _shape[^1], k2 = other._shape[^2], n = other._shape[^1];
        if (k != k2)
            throw new ShapeMismatchException("MatMul", $"inner dimensions differ ({k} vs {k2})", ShapeArray(), other.ShapeArray());
        var batchShape = Shapes.Broadcast(_shape.AsSpan(0, Rank - 2), other._shape.AsSpan(0, other.Rank - 2), "MatMul");
        var outShape = batchShape.Append(m).Append(n).ToArray();
        var result = Tensor<T>.Uninitialized(outShape); // Gemm without accumulate writes every element of C
        if (result.Length == 0) return result;
        var a = BroadcastTo(batchShape.Append(m).Append(k).ToArray());
        var b = other.BroadcastTo(batchShape.Append(k).Append(n).ToArray());
        int batch = Shapes.Size(batchShape);
        var aOff = BatchOffsets(a, batchShape); var bOff = BatchOffsets(b, batchShape);
        int rsA = a._strides[^2], csA = a._strides[^1], rsB = b._strides[^2], csB = b._strides[^1];
        var aMem = a.Storage; var bMem = b.Storage; var cMem = result.Storage;
        int span = m * n;
        void One(int i, int threads) =>
            Gemm.Multiply<T>(m, n, k, aMem.Span[aOff[i]..], rsA, csA, bMem.Span[bOff[i]..], rsB, csB, cMem.Span.Slice(i * span, span), n, false, threads);
        if (batch == 1 || (long)m * n * k >= 128L * 128 * 128) for (int i = 0; i < batch; i++) One(i, maxThreads);
        else Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = maxThreads <= 0 ? Parallelism.MaxThreads : maxThreads }, i => One(i, 1));
        return result;
    }

    private static int[] BatchOffsets(Tensor<T> t, int[] batchShape)
    {
        int batch = Shapes.Size(batchShape);
        var offsets = new int[batch];
        var idx = new int[batchShape.Length];
        for (int i = 0; i < batch; i++)
        {
            int off = t.Offset;
            for (int d = 0; d < idx.Length; d++) off += idx[d] * t._strides[d];
            offsets[i] = off;
            for (int d = idx.Length - 1; d >= 0; d--) { if (++idx[d] < batchShape[d]) break; idx[d] = 0; }
        }
        return offsets;
    }
}
