namespace Noether.Tensors.Tests;

/// <summary>Slow, obviously-correct reference implementations that the fast kernels are tested against.</summary>
internal static class Reference
{
    public static double[] MatMul(double[] a, double[] b, int m, int n, int k)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
            c[i * n + j] = s;
        }
        return c;
    }

    public static Tensor<double> Conv2d(Tensor<double> x, Tensor<double> w, Tensor<double>? b, Conv2dOptions o)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), oc = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int cg = c / o.Groups, og = oc / o.Groups;
        int oh = (h + 2 * o.PadH - o.DilationH * (kh - 1) - 1) / o.StrideH + 1;
        int ow = (wd + 2 * o.PadW - o.DilationW * (kw - 1) - 1) / o.StrideW + 1;
        var y = new Tensor<double>(n, oc, oh, ow);
        for (int img = 0; img < n; img++) for (int f = 0; f < oc; f++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++)
        {
            int g = f / og;
            double s = b is null ? 0 : b[f];
            for (int ci = 0; ci < cg; ci++) for (int i = 0; i < kh; i++) for (int j = 0; j < kw; j++)
            {
                int yy = oy * o.StrideH - o.PadH + i * o.DilationH, xx = ox * o.StrideW - o.PadW + j * o.DilationW;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                s += w[f, ci, i, j] * x[img, g * cg + ci, yy, xx];
            }
            y[img, f, oy, ox] = s;
        }
        return y;
    }
}
