using FsCheck;
using FsCheck.Fluent;
using Noether.Nn.Training;
using Noether.Tensors;
using Noether.Tensors.Kernels;

namespace Noether.Nn.Tests;

/// <summary>SmallGemm against the packed GEMM: bit-identical for every shape, so every SIMD width and tail is covered.</summary>
public sealed class SmallGemmTests
{
    private static void Compare<T>(int m, int n, int k, bool transposedA, int seed, bool withBias = false)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)seed);
        var a = Tensor<T>.RandomNormal(rng, m * k).ToArray();
        var b = Tensor<T>.RandomNormal(rng, k * n).ToArray();
        int rsA = transposedA ? 1 : k, csA = transposedA ? m : 1;
        var small = new T[m * n];
        Array.Fill(small, T.CreateChecked(7)); // whatever C held before is overwritten
        var bias = withBias ? Tensor<T>.RandomNormal(rng, n).ToArray() : [];
        SmallGemm.Multiply<T>(m, n, k, a, rsA, csA, b, small, bias);
        var packed = new T[m * n];
        Gemm.Multiply<T>(m, n, k, a, rsA, csA, b, n, 1, packed, n, false, 1);
        if (withBias) // the product rounded, then the bias added: what a separate bias op gives
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) packed[i * n + j] += bias[j];
        Assert.Equal(packed, small);
    }

    [Fact]
    public void EqualsThePackedGemmBitForBitOnEveryShape()
    {
        var gen = from m in Gen.Choose(1, 40)
                  from n in Gen.Choose(1, 80)
                  from k in Gen.Choose(1, 300)
                  from t in Gen.Elements(false, true)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (m, n, k, t, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            Compare<float>(c.m, c.n, c.k, c.t, c.seed);
            Compare<double>(c.m, c.n, c.k, c.t, c.seed);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
        // Every tail of the 512-, 256-bit and scalar paths around one and two vectors, below and above the fused
        // threshold, for blocks of four rows and the rows left over.
        foreach (int m in new[] { 1, 3, 4, 5, 8, 11 })
            foreach (int n in new[] { 1, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33, 47, 48, 64, 65 })
                foreach (int k in new[] { 1, 5, 40, 256, 257 })
                {
                    Compare<float>(m, n, k, false, m * 100_000 + n * 1000 + k);
                    Compare<double>(m, n, k, true, m * 100_000 + n * 1000 + k);
                    Compare<float>(m, n, k, true, m * 100_000 + n * 1000 + k + 1, withBias: true);
                }
    }
}
