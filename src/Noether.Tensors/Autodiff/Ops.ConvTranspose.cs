using System.Numerics;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>2-D transposed convolution (NCHW) with optional bias and an explicit output size.</summary>
    public static Variable<T> ConvTranspose2d<T>(Variable<T> input, Variable<T> weight, Variable<T>? bias, Conv2dOptions options, int outH, int outW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = TransposedConvolution.ConvTranspose2d(input.Value, weight.Value, bias?.Value, options, outH, outW);
        Variable<T>[] parents = bias is null ? [input, weight] : [input, weight, bias];
        return Make(y, "ConvTranspose2d", parents, g =>
        {
            var (gx, gw, gb) = TransposedConvolution.ConvTranspose2dBackward(input.Value, weight.Value, bias is not null, g, options);
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }
}
