using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors;

/// <summary>2-D convolution (NCHW) as im2col + GEMM, with stride, padding, dilation and groups, and its gradients.</summary>
public static class Convolution
{
    /// <summary>Panel path on (default) or off, for tests and benchmarks that compare it with im2col + GEMM.</summary>
    internal static bool UsePanels = true;

    /// <summary>y[n, o] = Σ_c w[o, c] ⋆ x[n, c] + b[o]; input [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] or null.</summary>
    public static Tensor<T> Conv2d<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Conv2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
        => Conv2d(input, weight, bias, options, relu: false);

    /// <summary>
    /// As above, with the bias added and (when <paramref name="relu"/>) max(·, 0) applied to each output plane while it
    /// is still in cache, in the same parallel pass as its GEMM.
    /// </summary>
    public static Tensor<T> Conv2d<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Conv2dOptions options, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, o, cg, og, geo) = Check(input, weight, bias, options);
        int plane = geo.OutH * geo.OutW, kdim = cg * geo.KernelH * geo.KernelW;
        var x = input.Contiguous(); var wt = weight.Contiguous();
        var y = Tensor<T>.Uninitialized(n, o, geo.OutH, geo.OutW); // each image and group writes its whole output block
        var xm = x.Storage.Slice(x.Offset, x.Length); var wm = wt.Storage.Slice(wt.Offset, wt.Length); var ym = y.Storage;
        var bc = bias?.Contiguous(); var bm = bc is null ? Memory<T>.Empty : bc.Storage.Slice(bc.Offset, o);
        if (PanelConvolution.IsSupported && UsePanels)
        {
            int packedLength = PanelConvolution.PackedWeightLength(og, kdim);
            var packed = TensorArena.Allocate<T>(packedLength * options.Groups, clear: false);
            for (int g = 0; g < options.Groups; g++)
                PanelConvolution.PackWeights<T>(wm.Span.Slice(g * og * kdim, og * kdim), og, kdim, packed.AsSpan(g * packedLength, packedLength));
            Parallel.For(0, n, Parallelism.Options, img =>
            {
                for (int g = 0; g < options.Groups; g++)
                    PanelConvolution.Image<T>(xm.Span.Slice((img * c + g * cg) * h * w, cg * h * w), cg, h, w, geo,
                        packed.AsSpan(g * packedLength, packedLength), og, bm.IsEmpty ? ReadOnlySpan<T>.Empty : bm.Span.Slice(g * og, og), relu,
                        ym.Span.Slice((img * o + g * og) * plane, og * plane));
            });
            return y;
        }
        Parallel.For(0, n, Parallelism.Options, () => Scratch<T>.Columns(kdim * plane), (img, _, col) =>
        {
            for (int g = 0; g < options.Groups; g++)
            {
                Im2Col.Unfold<T>(xm.Span.Slice((img * c + g * cg) * h * w, cg * h * w), cg, h, w, geo, col);
                var yg = ym.Span.Slice((img * o + g * og) * plane, og * plane);
                Gemm.Multiply<T>(og, plane, kdim, wm.Span.Slice(g * og * kdim), kdim, 1, col, plane, 1, yg, plane, false, 1);
                if (bm.IsEmpty && !relu) continue;
                for (int ch = 0; ch < og; ch++)
                {
                    var p = yg.Slice(ch * plane, plane);
                    if (!bm.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(p, bm.Span[g * og + ch], p);
                    if (relu) SimdKernels.Relu<T>(p, p);
                }
            }
            return col;
        }, _ => { });
        return y;
    }

    /// <summary>Gradients of <see cref="Conv2d{T}"/> with respect to input, weight and (when it had one) bias.</summary>
    public static (Tensor<T> Input, Tensor<T> Weight, Tensor<T>? Bias) Conv2dBackward<T>(Tensor<T> input, Tensor<T> weight, bool hasBias, Tensor<T> gradOutput, Conv2dOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (gx, gw, gb) = Conv2dBackward(input, weight, hasBias, gradOutput, options, needInput: true);
        return (gx!, gw, gb);
    }

    /// <summary>As above; with <paramref name="needInput"/> false the input gradient is skipped (returned as null).</summary>
    public static (Tensor<T>? Input, Tensor<T> Weight, Tensor<T>? Bias) Conv2dBackward<T>(Tensor<T> input, Tensor<T> weight, bool hasBias, Tensor<T> gradOutput, Conv2dOptions options, bool needInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, o, cg, og, geo) = Check(input, weight, null, options);
        int plane = geo.OutH * geo.OutW, kdim = cg * geo.KernelH * geo.KernelW;
        var expected = new[] { n, o, geo.OutH, geo.OutW };
        if (!Shapes.Equal(gradOutput.Shape, expected))
            throw new ShapeMismatchException("Conv2dBackward", "gradient shape differs from the output shape", gradOutput.ShapeArray(), expected);
        var x = input.Contiguous(); var wt = weight.Contiguous(); var gy = gradOutput.Contiguous();
        var gx = new Tensor<T>(input.ShapeArray());
        var gw = new Tensor<T>(weight.ShapeArray());
        var xm = x.Storage.Slice(x.Offset, x.Length); var wm = wt.Storage.Slice(wt.Offset, wt.Length);
        var gym = gy.Storage.Slice(gy.Offset, gy.Length); var gxm = gx.Storage;
        // Weight gradients are summed per fixed chunk of images, then chunk by chunk in order, so the result is
        // bit-identical whatever the thread count or scheduling.
        const int chunkSize = 8;
        int chunks = (n + chunkSize - 1) / chunkSize;
        var partial = new T[chunks][];
        Parallel.For(0, chunks, Parallelism.Options, chunk =>
        {
            var col = Scratch<T>.Columns(kdim * plane);
            var local = TensorArena.Allocate<T>(gw.Length, clear: true);
            for (int img = chunk * chunkSize; img < Math.Min(n, (chunk + 1) * chunkSize); img++)
                for (int g = 0; g < options.Groups; g++)
                {
                    var gyg = gym.Span.Slice((img * o + g * og) * plane, og * plane);
                    // dW_g += dY_g · colᵀ
                    Im2Col.Unfold<T>(xm.Span.Slice((img * c + g * cg) * h * w, cg * h * w), cg, h, w, geo, col);
                    Gemm.Multiply<T>(og, kdim, plane, gyg, plane, 1, col, 1, plane, local.AsSpan(g * og * kdim, og * kdim), kdim, true, 1);
                    if (!needInput) continue;
                    // dcol = W_gᵀ · dY_g, folded into dX
                    Gemm.Multiply<T>(kdim, plane, og, wm.Span.Slice(g * og * kdim), 1, kdim, gyg, plane, 1, col, plane, false, 1);
                    Im2Col.Fold<T>(col, cg, h, w, geo, gxm.Span.Slice((img * c + g * cg) * h * w, cg * h * w));
                }
            partial[chunk] = local;
        });
        foreach (var local in partial) System.Numerics.Tensors.TensorPrimitives.Add<T>(gw.Span, local, gw.Span);
        Tensor<T>? gb = hasBias ? gy.Sum(3).Sum(2).Sum(0) : null;
        return (needInput ? gx : null, gw, gb);
    }

    /// <summary>Per-thread im2col buffers, kept between calls so steady-state convolutions allocate nothing.</summary>
    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? s_columns;

        public static T[] Columns(int length)
        {
            if (s_columns is null || s_columns.Length < length) s_columns = GC.AllocateUninitializedArray<T>(length);
            return s_columns;
        }
    }

    private static (int N, int C, int H, int W, int O, int Cg, int Og, Conv2dGeometry Geo) Check<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Conv2dOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (input.Rank != 4 || weight.Rank != 4)
            throw new ShapeMismatchException("Conv2d", "input must be [N, C, H, W] and weight [O, C/groups, kh, kw]", input.ShapeArray(), weight.ShapeArray());
        int n = input.Dim(0), c = input.Dim(1), h = input.Dim(2), w = input.Dim(3), o = weight.Dim(0), groups = options.Groups;
        if (groups < 1 || c % groups != 0 || o % groups != 0)
            throw new ShapeMismatchException("Conv2d", $"groups={groups} must divide in-channels {c} and out-channels {o}", input.ShapeArray(), weight.ShapeArray());
        if (weight.Dim(1) != c / groups)
            throw new ShapeMismatchException("Conv2d", $"weight expects {weight.Dim(1)} channels per group but input has {c}/{groups}", input.ShapeArray(), weight.ShapeArray());
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != o))
            throw new ShapeMismatchException("Conv2d", $"bias must be [{o}]", bias.ShapeArray(), weight.ShapeArray());
        var geo = Conv2dGeometry.Resolve("Conv2d", h, w, weight.Dim(2), weight.Dim(3), options, input.ShapeArray(), weight.ShapeArray());
        return (n, c, h, w, o, c / groups, o / groups, geo);
    }
}
