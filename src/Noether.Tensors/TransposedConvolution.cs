using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors;

/// <summary>
/// 2-D transposed convolution (NCHW), the adjoint of <see cref="Convolution.Conv2d{T}"/>: every input pixel scatters
/// its kernel-weighted channels into the output (GEMM, then col2im). Its input gradient is a plain convolution and its
/// weight gradient is the weight gradient of that convolution, so both reuse the convolution kernels.
/// </summary>
public static class TransposedConvolution
{
    /// <summary>
    /// y[n] = Σ over input pixels p of W[:, :, ·]ᵀ·x[n, :, p] placed at p·stride − pad (+ bias); input [N, C, H, W],
    /// weight [C, O/groups, kh, kw] (ONNX and PyTorch layout), output [N, O, outH, outW]. The output size is free:
    /// rows past the last kernel tap hold only the bias (output padding), rows before it are cut (cropping).
    /// </summary>
    public static Tensor<T> ConvTranspose2d<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Conv2dOptions options, int outH, int outW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, o, cg, og, geo) = Check(input, weight, bias, options, outH, outW);
        int plane = geo.OutH * geo.OutW, kdim = og * geo.KernelH * geo.KernelW;
        var x = input.Contiguous(); var wt = weight.Contiguous();
        var y = new Tensor<T>(n, o, outH, outW);
        var xm = x.Storage.Slice(x.Offset, x.Length); var wm = wt.Storage.Slice(wt.Offset, wt.Length); var ym = y.Storage;
        Parallel.For(0, n, Parallelism.Options, () => new T[kdim * plane], (img, _, col) =>
        {
            for (int g = 0; g < options.Groups; g++)
            {
                // col = W_gᵀ·x_g: W_g is [cg, og·kh·kw], x_g is [cg, H·W].
                Gemm.Multiply<T>(kdim, plane, cg, wm.Span.Slice(g * cg * kdim), 1, kdim, xm.Span.Slice((img * c + g * cg) * plane, cg * plane), plane, 1,
                    col, plane, false, 1);
                Im2Col.Fold<T>(col, og, outH, outW, geo, ym.Span.Slice((img * o + g * og) * outH * outW, og * outH * outW));
            }
            return col;
        }, _ => { });
        if (bias is not null) y = y + bias.Reshape(1, o, 1, 1);
        return y;
    }

    /// <summary>Gradients of <see cref="ConvTranspose2d{T}"/> with respect to input, weight and (when it had one) bias.</summary>
    public static (Tensor<T> Input, Tensor<T> Weight, Tensor<T>? Bias) ConvTranspose2dBackward<T>(Tensor<T> input, Tensor<T> weight, bool hasBias,
        Tensor<T> gradOutput, Conv2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = gradOutput.Dim(2), outW = gradOutput.Dim(3);
        var (_, _, o, _, _, geo) = Check(input, weight, null, options, outH, outW);
        var expected = new[] { input.Dim(0), o, outH, outW };
        if (!Shapes.Equal(gradOutput.Shape, expected))
            throw new ShapeMismatchException("ConvTranspose2dBackward", "gradient shape differs from the output shape", gradOutput.ShapeArray(), expected);
        // The forward pass is the input gradient of a convolution from the output (as its image) to x (as its output
        // grid): dx is that convolution of dy, and dW its weight gradient, dy's columns times x.
        int n = input.Dim(0), c = input.Dim(1), cg = c / options.Groups, og = o / options.Groups;
        int plane = geo.OutH * geo.OutW, kdim = og * geo.KernelH * geo.KernelW;
        var x = input.Contiguous(); var wt = weight.Contiguous(); var gy = gradOutput.Contiguous();
        var gx = Tensor<T>.Uninitialized(n, c, geo.OutH, geo.OutW);
        var gw = new Tensor<T>(weight.ShapeArray());
        var xm = x.Storage.Slice(x.Offset, x.Length); var wm = wt.Storage.Slice(wt.Offset, wt.Length);
        var gym = gy.Storage.Slice(gy.Offset, gy.Length); var gxm = gx.Storage;
        // Weight gradients are summed per fixed chunk of images, then chunk by chunk in order (bit-identical results).
        const int chunkSize = 8;
        int chunks = (n + chunkSize - 1) / chunkSize;
        var partial = new T[chunks][];
        Parallel.For(0, chunks, Parallelism.Options, chunk =>
        {
            var col = new T[kdim * plane];
            var local = new T[gw.Length];
            for (int img = chunk * chunkSize; img < Math.Min(n, (chunk + 1) * chunkSize); img++)
                for (int g = 0; g < options.Groups; g++)
                {
                    Im2Col.Unfold<T>(gym.Span.Slice((img * o + g * og) * outH * outW, og * outH * outW), og, outH, outW, geo, col);
                    var xg = xm.Span.Slice((img * c + g * cg) * plane, cg * plane);
                    // dx_g = W_g·col; dW_g += x_g·colᵀ
                    Gemm.Multiply<T>(cg, plane, kdim, wm.Span.Slice(g * cg * kdim), kdim, 1, col, plane, 1,
                        gxm.Span.Slice((img * c + g * cg) * plane, cg * plane), plane, false, 1);
                    Gemm.Multiply<T>(cg, kdim, plane, xg, plane, 1, col, 1, plane, local.AsSpan(g * cg * kdim, cg * kdim), kdim, true, 1);
                }
            partial[chunk] = local;
        });
        foreach (var local in partial) System.Numerics.Tensors.TensorPrimitives.Add<T>(gw.Span, local, gw.Span);
        Tensor<T>? gb = hasBias ? gy.Sum(3).Sum(2).Sum(0) : null;
        return (gx, gw, gb);
    }

    private static (int N, int C, int O, int Cg, int Og, Conv2dGeometry Geo) Check<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias,
        Conv2dOptions options, int outH, int outW) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (input.Rank != 4 || weight.Rank != 4)
            throw new ShapeMismatchException("ConvTranspose2d", "input must be [N, C, H, W] and weight [C, O/groups, kh, kw]", input.ShapeArray(), weight.ShapeArray());
        int n = input.Dim(0), c = input.Dim(1), groups = options.Groups;
        if (groups < 1 || c % groups != 0 || weight.Dim(0) != c)
            throw new ShapeMismatchException("ConvTranspose2d", $"weight needs {c} input channels divisible by groups={groups}", input.ShapeArray(), weight.ShapeArray());
        int o = weight.Dim(1) * groups;
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != o))
            throw new ShapeMismatchException("ConvTranspose2d", $"bias must be [{o}]", bias.ShapeArray(), weight.ShapeArray());
        if (options.StrideH < 1 || options.StrideW < 1 || options.DilationH < 1 || options.DilationW < 1 || options.PadH < 0 || options.PadW < 0 || outH < 1 || outW < 1)
            throw new ArgumentException($"ConvTranspose2d: invalid options {options} or output size {outH}x{outW} for input {Shapes.Format(input.Shape)}");
        // The geometry of the adjoint convolution: its image is the output, its output grid the input pixels.
        var geo = new Conv2dGeometry(weight.Dim(2), weight.Dim(3), options.StrideH, options.StrideW, options.PadH, options.PadW,
            options.DilationH, options.DilationW, input.Dim(2), input.Dim(3));
        return (n, c, o, c / groups, o / groups, geo);
    }
}
