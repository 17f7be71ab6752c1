using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Scatter-add of rows (a segment sum): for x [M, D] and one target row per source row,
    /// y[r] = Σ_{i : index[i] = r} x[i], y of shape [<paramref name="rows"/>, D]. Rows no index names stay zero.
    /// The gradient gathers: dx[i] = g[index[i]]. This is the aggregation step of message passing and of graph pooling.
    /// </summary>
    public static Variable<T> ScatterAddRows<T>(Variable<T> x, int[] index, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xv = x.Value.Contiguous();
        if (xv.Rank != 2 || xv.Dim(0) != index.Length)
            throw new ShapeMismatchException("ScatterAddRows", $"needs x [M, D] with one row per index ({index.Length} indices)", xv.ShapeArray());
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"ScatterAddRows: row count must be non-negative, got {rows}");
        int d = xv.Dim(1);
        var y = new Tensor<T>(rows, d);
        var xs = xv.Span; var ys = y.Span;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)rows)
                throw new IndexOutOfRangeException($"ScatterAddRows: index {index[i]} at position {i} is outside {rows} rows (x {Shapes.Format(xv.Shape)})");
            TP.Add<T>(ys.Slice(index[i] * d, d), xs.Slice(i * d, d), ys.Slice(index[i] * d, d));
        }
        return Make(y, "ScatterAddRows", [x], g =>
        {
            var gs = g.Contiguous().Span;
            var r = new Tensor<T>(index.Length, d); var rs = r.Span;
            for (int i = 0; i < index.Length; i++) gs.Slice(index[i] * d, d).CopyTo(rs.Slice(i * d, d));
            return [r];
        });
    }
}
