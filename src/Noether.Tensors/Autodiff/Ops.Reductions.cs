using System.Numerics;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>Sum of all elements (a scalar of shape []).</summary>
    public static Variable<T> Sum<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = a.Value.ShapeArray();
        return Make(Tensor<T>.Scalar(a.Value.Sum()), "Sum", [a], g => [g.BroadcastTo(shape)]);
    }

    /// <summary>Sum along an axis.</summary>
    public static Variable<T> Sum<T>(Variable<T> a, int axis, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = Shapes.NormalizeAxis(axis, a.Value.Rank, "Sum");
        var shape = a.Value.ShapeArray();
        return Make(a.Value.Sum(ax, keepDims), "Sum", [a], g => [(keepDims ? g : g.Unsqueeze(ax)).BroadcastTo(shape)]);
    }

    /// <summary>Mean of all elements.</summary>
    public static Variable<T> Mean<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Scale(Sum(a), T.One / T.CreateChecked(Math.Max(1, a.Value.Length)));

    /// <summary>Mean along an axis.</summary>
    public static Variable<T> Mean<T>(Variable<T> a, int axis, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
        => Scale(Sum(a, axis, keepDims), T.One / T.CreateChecked(a.Value.Dim(axis)));

    /// <summary>Maximum along an axis; the gradient goes to the first maximal element.</summary>
    public static Variable<T> Max<T>(Variable<T> a, int axis, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = Shapes.NormalizeAxis(axis, a.Value.Rank, "Max");
        var x = a.Value;
        var arg = x.ArgMax(ax);
        return Make(x.Max(ax, keepDims), "Max", [a], g =>
        {
            var gc = g.Contiguous().Span;
            var r = new Tensor<T>(x.ShapeArray()); var rs = r.Span;
            int n = x.Dim(ax), inner = 1;
            for (int i = ax + 1; i < x.Rank; i++) inner *= x.Dim(i);
            for (int o = 0; o < arg.Length; o++)
            {
                int outer = o / inner, i = o % inner;
                rs[(outer * n + arg[o]) * inner + i] = gc[o];
            }
            return [r];
        });
    }

    /// <summary>log Σ exp along an axis; gradient softmax(a)·g.</summary>
    public static Variable<T> LogSumExp<T>(Variable<T> a, int axis, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = Shapes.NormalizeAxis(axis, a.Value.Rank, "LogSumExp");
        return Make(a.Value.LogSumExp(ax, keepDims), "LogSumExp", [a], g => [a.Value.Softmax(ax) * (keepDims ? g : g.Unsqueeze(ax))]);
    }

    /// <summary>Softmax along an axis; gradient y ⊙ (g − Σ g⊙y).</summary>
    public static Variable<T> Softmax<T>(Variable<T> a, int axis = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = Shapes.NormalizeAxis(axis, a.Value.Rank, "Softmax");
        var y = a.Value.Softmax(ax);
        return Make(y, "Softmax", [a], g => [y * (g - (g * y).Sum(ax, keepDims: true))]);
    }

    /// <summary>Log-softmax along an axis; gradient g − softmax·Σ g.</summary>
    public static Variable<T> LogSoftmax<T>(Variable<T> a, int axis = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ax = Shapes.NormalizeAxis(axis, a.Value.Rank, "LogSoftmax");
        var y = a.Value.LogSoftmax(ax);
        return Make(y, "LogSoftmax", [a], g => [g - y.Exp() * g.Sum(ax, keepDims: true)]);
    }
}
