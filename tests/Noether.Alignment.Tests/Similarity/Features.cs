using Noether.Tensors;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Tests.Similarity;

/// <summary>Feature matrices and the maps the invariance tests apply to them (right multiplication X·M).</summary>
internal static class Features
{
    /// <summary>ReLU-like features [n, c]: a rectified random linear image of a few latent factors, channels of unequal scale.</summary>
    public static Tensor<double> Relu(int n, int c, int seed)
    {
        var rng = new Rng((ulong)seed);
        var z = Tensor<double>.RandomNormal(rng, n, Math.Max(2, c / 2));
        var w = Tensor<double>.RandomNormal(rng, Math.Max(2, c / 2), c);
        var h = z.MatMul(w).ToArray();
        var shift = Tensor<double>.RandomNormal(rng, c).ToArray();
        for (int i = 0; i < h.Length; i++) h[i] = Math.Max(0, h[i] + 0.5 * shift[i % c]) + 0.01 * (i % 7);
        return Tensor<double>.FromArray(h, n, c);
    }

    public static Tensor<double> Gaussian(int n, int c, ulong seed) => Tensor<double>.RandomNormal(new Rng(seed), n, c);

    public static Tensor<double> Orthogonal(int c, int seed) => Linalg.Qr(Tensor<double>.RandomNormal(new Rng((ulong)seed + 1000), c, c)).Q;

    public static Tensor<double> Monomial(int c, int seed, bool permute, double minScale, double maxScale, bool flipHalf = false)
    {
        var rng = new Random(seed);
        var perm = Enumerable.Range(0, c).ToArray();
        if (permute) rng.Shuffle(perm);
        var m = new double[c * c];
        for (int i = 0; i < c; i++)
        {
            double s = minScale + (maxScale - minScale) * rng.NextDouble();
            if (flipHalf && i % 2 == 0) s = -s;
            m[i * c + perm[i]] = s;
        }
        return Tensor<double>.FromArray(m, c, c);
    }

    public static Tensor<double> Times(this Tensor<double> x, Tensor<double> m) => x.MatMul(m);

    public static Tensor<double> Scaled(this Tensor<double> x, double s) => Tensor<double>.FromArray(x.ToArray().Select(v => v * s).ToArray(), x.ShapeArray());
}
