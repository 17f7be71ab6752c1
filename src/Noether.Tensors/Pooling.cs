using System.Numerics;

namespace Noether.Tensors;

/// <summary>A pooling window: kernel size, stride and zero padding (NCHW).</summary>
public readonly record struct Pool2dOptions(int KernelH, int KernelW, int StrideH, int StrideW, int PadH = 0, int PadW = 0, bool CountIncludePad = false)
{
    /// <summary>A square window; stride defaults to the kernel size.</summary>
    public static Pool2dOptions Square(int kernel, int? stride = null, int padding = 0) => new(kernel, kernel, stride ?? kernel, stride ?? kernel, padding, padding);

    internal Conv2dGeometry Resolve(string op, int h, int w, int[] shape)
        => Conv2dGeometry.Resolve(op, h, w, KernelH, KernelW, new Conv2dOptions(StrideH, StrideW, PadH, PadW), shape, new[] { KernelH, KernelW });
}

/// <summary>Max and average pooling over NCHW tensors, with their gradients.</summary>
public static class Pooling
{
    /// <summary>Max pooling; also returns, per output, the flat index of the winning input (for the gradient).</summary>
    public static (Tensor<T> Output, int[] ArgMax) MaxPool2d<T>(Tensor<T> input, Pool2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, g) = Check(input, options, "MaxPool2d");
        var x = input.Contiguous().Span;
        var y = new Tensor<T>(n, c, g.OutH, g.OutW); var ys = y.Span;
        var arg = TensorArena.Allocate<int>(ys.Length, clear: true);
        if (g.PadH == 0 && g.PadW == 0) { MaxPoolUnpadded(x, ys, arg, n * c, h, w, g); return (y, arg); }
        int o = 0;
        for (int p = 0; p < n * c; p++)
        {
            int baseIdx = p * h * w;
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++, o++)
                {
                    T best = T.NegativeInfinity; int bi = -1;
                    for (int i = 0; i < g.KernelH; i++)
                    {
                        int yy = oy * g.StrideH - g.PadH + i;
                        if ((uint)yy >= (uint)h) continue;
                        for (int j = 0; j < g.KernelW; j++)
                        {
                            int xx = ox * g.StrideW - g.PadW + j;
                            if ((uint)xx >= (uint)w) continue;
                            int idx = baseIdx + yy * w + xx;
                            if (bi < 0 || x[idx] > best || T.IsNaN(x[idx])) { best = x[idx]; bi = idx; }
                        }
                    }
                    ys[o] = best; arg[o] = bi;
                }
        }
        return (y, arg);
    }

    /// <summary>Max pooling when every window lies inside the image: no bounds checks in the inner loops.</summary>
    private static void MaxPoolUnpadded<T>(ReadOnlySpan<T> x, Span<T> ys, int[] arg, int planes, int h, int w, Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            int planeBase = p * h * w;
            for (int oy = 0; oy < g.OutH; oy++)
            {
                int rowBase = planeBase + oy * g.StrideH * w;
                for (int ox = 0; ox < g.OutW; ox++, o++)
                {
                    int start = rowBase + ox * g.StrideW;
                    T best = x[start]; int bi = start;
                    for (int i = 0; i < g.KernelH; i++)
                    {
                        int r = start + i * w;
                        for (int j = 0; j < g.KernelW; j++)
                        {
                            T v = x[r + j];
                            if (v > best || (T.IsNaN(v) && !T.IsNaN(best))) { best = v; bi = r + j; }
                        }
                    }
                    ys[o] = best; arg[o] = bi;
                }
            }
        }
    }

    /// <summary>Gradient of max pooling: routes each output gradient to its winning input.</summary>
    public static Tensor<T> MaxPool2dBackward<T>(int[] inputShape, int[] argMax, Tensor<T> gradOutput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = new Tensor<T>(inputShape); var gs = gx.Span; var gy = gradOutput.Contiguous().Span;
        for (int i = 0; i < gy.Length; i++) if (argMax[i] >= 0) gs[argMax[i]] += gy[i];
        return gx;
    }

    /// <summary>Average pooling (divisor excludes padding unless <see cref="Pool2dOptions.CountIncludePad"/>).</summary>
    public static Tensor<T> AvgPool2d<T>(Tensor<T> input, Pool2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, g) = Check(input, options, "AvgPool2d");
        var x = input.Contiguous().Span;
        var y = new Tensor<T>(n, c, g.OutH, g.OutW); var ys = y.Span;
        int o = 0;
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++, o++)
                {
                    T s = T.Zero;
                    foreach (var (idx, _) in Window(p, oy, ox, h, w, g)) s += x[idx];
                    ys[o] = s / T.CreateChecked(Divisor(oy, ox, h, w, g, options.CountIncludePad));
                }
        return y;
    }

    /// <summary>Gradient of average pooling.</summary>
    public static Tensor<T> AvgPool2dBackward<T>(int[] inputShape, Tensor<T> gradOutput, Pool2dOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = new Tensor<T>(inputShape);
        var (n, c, h, w, g) = Check(gx, options, "AvgPool2dBackward");
        var gs = gx.Span; var gy = gradOutput.Contiguous().Span;
        int o = 0;
        for (int p = 0; p < n * c; p++)
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++, o++)
                {
                    T share = gy[o] / T.CreateChecked(Divisor(oy, ox, h, w, g, options.CountIncludePad));
                    foreach (var (idx, _) in Window(p, oy, ox, h, w, g)) gs[idx] += share;
                }
        return gx;
    }

    private static IEnumerable<(int Index, bool Inside)> Window(int plane, int oy, int ox, int h, int w, Conv2dGeometry g)
    {
        for (int i = 0; i < g.KernelH; i++)
        {
            int yy = oy * g.StrideH - g.PadH + i;
            if ((uint)yy >= (uint)h) continue;
            for (int j = 0; j < g.KernelW; j++)
            {
                int xx = ox * g.StrideW - g.PadW + j;
                if ((uint)xx < (uint)w) yield return (plane * h * w + yy * w + xx, true);
            }
        }
    }

    private static int Divisor(int oy, int ox, int h, int w, Conv2dGeometry g, bool includePad)
    {
        if (includePad) return g.KernelH * g.KernelW;
        int y0 = Math.Max(0, oy * g.StrideH - g.PadH), y1 = Math.Min(h, oy * g.StrideH - g.PadH + g.KernelH);
        int x0 = Math.Max(0, ox * g.StrideW - g.PadW), x1 = Math.Min(w, ox * g.StrideW - g.PadW + g.KernelW);
        return Math.Max(1, (y1 - y0) * (x1 - x0));
    }

    private static (int N, int C, int H, int W, Conv2dGeometry G) Check<T>(Tensor<T> input, Pool2dOptions o, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (input.Rank != 4) throw new ShapeMismatchException(op, "input must be [N, C, H, W]", input.ShapeArray());
        if (o.KernelH < 1 || o.KernelW < 1) throw new ArgumentException($"{op}: kernel must be positive, got {o.KernelH}x{o.KernelW} for input {Shapes.Format(input.Shape)}");
        if (o.PadH * 2 > o.KernelH || o.PadW * 2 > o.KernelW) throw new ArgumentException($"{op}: padding {o.PadH}x{o.PadW} exceeds half the kernel {o.KernelH}x{o.KernelW} (input {Shapes.Format(input.Shape)})");
        var g = o.Resolve(op, input.Dim(2), input.Dim(3), input.ShapeArray());
        return (input.Dim(0), input.Dim(1), input.Dim(2), input.Dim(3), g);
    }
}
