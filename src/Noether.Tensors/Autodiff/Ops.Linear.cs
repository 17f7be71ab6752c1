using System.Numerics;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>Matrix product over the last two axes with batch broadcasting; dA = dC·Bᵀ, dB = Aᵀ·dC.</summary>
    public static Variable<T> MatMul<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Make(a.Value.MatMul(b.Value), "MatMul", [a, b], g =>
            [a.RequiresGrad ? g.MatMul(b.Value.Transpose()) : null, b.RequiresGrad ? a.Value.Transpose().MatMul(g) : null]);

    /// <summary>2-D convolution (NCHW) with optional bias.</summary>
    public static Variable<T> Conv2d<T>(Variable<T> input, Variable<T> weight, Variable<T>? bias, Conv2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Convolution.Conv2d(input.Value, weight.Value, bias?.Value, options);
        Variable<T>[] parents = bias is null ? [input, weight] : [input, weight, bias];
        return Make(y, "Conv2d", parents, g =>
        {
            var (gx, gw, gb) = Convolution.Conv2dBackward(input.Value, weight.Value, bias is not null, g, options, needInput: input.RequiresGrad);
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>Max pooling (NCHW).</summary>
    public static Variable<T> MaxPool2d<T>(Variable<T> input, Pool2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (y, arg) = Pooling.MaxPool2d(input.Value, options);
        var shape = input.Value.ShapeArray();
        return Make(y, "MaxPool2d", [input], g => [Pooling.MaxPool2dBackward(shape, arg, g)]);
    }

    /// <summary>Average pooling (NCHW).</summary>
    public static Variable<T> AvgPool2d<T>(Variable<T> input, Pool2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = input.Value.ShapeArray();
        return Make(Pooling.AvgPool2d(input.Value, options), "AvgPool2d", [input], g => [Pooling.AvgPool2dBackward(shape, g, options)]);
    }
}
