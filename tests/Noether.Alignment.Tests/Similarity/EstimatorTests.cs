using Xunit.Abstractions;
using FsCheck;
using FsCheck.Fluent;
using Noether.Alignment.Similarity;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Similarity;

/// <summary>The estimators against direct n×n formulas, streaming against one-shot, and their input checks.</summary>
public class EstimatorTests(ITestOutputHelper output)
{
    /// <summary>Linear Gram matrix XXᵀ of an [n, c] matrix, as written in the papers.</summary>
    private static double[] Gram(Tensor<double> x) => x.MatMul(x.Transpose()).Contiguous().ToArray();

    /// <summary>HSIC₁ written out term by term (independent of the feature-space expansion under test).</summary>
    private static double UnbiasedHsic(double[] k, double[] l, int n)
    {
        double[] kt = (double[])k.Clone(), lt = (double[])l.Clone();
        for (int i = 0; i < n; i++) { kt[i * n + i] = 0; lt[i * n + i] = 0; }
        double tr = 0, sk = 0, sl = 0, kl1 = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) { tr += kt[i * n + j] * lt[j * n + i]; sk += kt[i * n + j]; sl += lt[i * n + j]; }
        for (int i = 0; i < n; i++)
        {
            double ki = 0, li = 0;
            for (int j = 0; j < n; j++) { ki += kt[i * n + j]; li += lt[i * n + j]; }
            kl1 += ki * li;
        }
        return (tr + sk * sl / ((n - 1.0) * (n - 2.0)) - 2 * kl1 / (n - 2.0)) / (n * (n - 3.0));
    }

    /// <summary>Biased HSIC tr(KHLH) with H = I − 11ᵀ/n (scale omitted: it cancels in CKA).</summary>
    private static double BiasedHsic(double[] k, double[] l, int n)
    {
        double[] Centre(double[] m)
        {
            var r = new double[n * n];
            var row = new double[n]; var col = new double[n]; double all = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { row[i] += m[i * n + j] / n; col[j] += m[i * n + j] / n; all += m[i * n + j] / ((double)n * n); }
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i * n + j] = m[i * n + j] - row[i] - col[j] + all;
            return r;
        }
        var kc = Centre(k); var lc = Centre(l);
        double s = 0;
        for (int i = 0; i < n * n; i++) s += kc[i] * lc[i];
        return s;
    }

    private static double Cka(Func<double[], double[], int, double> hsic, Tensor<double> x, Tensor<double> y)
    {
        int n = x.Dim(0);
        var k = Gram(x); var l = Gram(y);
        return hsic(k, l, n) / Math.Sqrt(hsic(k, k, n) * hsic(l, l, n));
    }

    [Fact]
    public void CkaEqualsTheGramMatrixFormulasOnUncentredFeatures()
    {
        Prop.ForAll(Gen.Choose(4, 60).Zip(Gen.Choose(1, 9)).Zip(Gen.Choose(0, 10_000)).ToArbitrary(), t =>
        {
            var ((n, c), seed) = t;
            var x = Features.Relu(n, c, seed).Scaled(2.5);     // non-negative: far from centred
            var y = Features.Relu(n, c + 2, seed + 1);
            double debiased = SimilarityMeasure.CkaDebiased.Compute(x, y), biased = SimilarityMeasure.Cka.Compute(x, y);
            double d0 = Cka(UnbiasedHsic, x, y), b0 = Cka(BiasedHsic, x, y);
            if (Math.Abs(debiased - d0) > 1e-8 || Math.Abs(biased - b0) > 1e-9)
                throw new Exception($"n={n} c={c}: debiased {debiased:R} vs {d0:R}, biased {biased:R} vs {b0:R}");
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void ProcrustesEqualsItsDefinitionOnSmallCases()
    {
        // d = √(‖H₁‖² + ‖H₂‖² − 2‖H₁ᵀH₂‖_*)/2 for centred, Frobenius-normalised H; the nuclear norm from a brute SVD.
        var x = Features.Relu(30, 4, 1); var y = Features.Relu(30, 3, 2);
        Tensor<double> Normalised(Tensor<double> h)
        {
            int n = h.Dim(0), c = h.Dim(1);
            var a = h.ToArray();
            for (int j = 0; j < c; j++) { double m = 0; for (int i = 0; i < n; i++) m += a[i * c + j] / n; for (int i = 0; i < n; i++) a[i * c + j] -= m; }
            double f = Math.Sqrt(a.Sum(v => v * v));
            return Tensor<double>.FromArray(a.Select(v => v / f).ToArray(), n, c);
        }
        var hx = Normalised(x); var hy = Normalised(y);
        double nuclear = Noether.Tensors.Linalg.Linalg.Svd(hx.Transpose().MatMul(hy)).S.ToArray().Sum();
        double d = Math.Sqrt(2 - 2 * nuclear) / 2;
        Assert.Equal(1 - d, SimilarityMeasure.Procrustes.Compute(x, y), 10);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(256)]
    public void DebiasedCkaOfIndependentGaussiansIsNearZeroWhileBiasedIsNot(int n)
    {
        // The anchors' setting: independent Gaussian features of fixed width; averaged over seeds.
        double biased = 0, debiased = 0; const int seeds = 20, c = 8;
        for (ulong s = 0; s < seeds; s++)
        {
            var x = Features.Gaussian(n, c, 2 * s + 1); var y = Features.Gaussian(n, c, 2 * s + 2);
            biased += SimilarityMeasure.Cka.Compute(x, y) / seeds;
            debiased += SimilarityMeasure.CkaDebiased.Compute(x, y) / seeds;
        }
        output.WriteLine($"n = {n}: biased CKA {biased:F4}, debiased {debiased:F4}");
        Assert.True(Math.Abs(debiased) < 0.03, $"n = {n}: debiased CKA {debiased:F4} should be near 0");
        Assert.True(biased > 0.5 * c / (n + c), $"n = {n}: biased CKA {biased:F4} should stay clearly above 0 (≈ c/(n + c))");
        Assert.True(biased > 5 * Math.Abs(debiased), $"n = {n}: biased {biased:F4} vs debiased {debiased:F4}");
    }

    [Theory, MemberData(nameof(InvarianceTests.Names), MemberType = typeof(InvarianceTests))]
    public void StreamingEqualsOneShot(string name)
    {
        var m = name == "grelu-cka" ? new GReluCka(blockSize: 16) : SimilarityMeasure.Parse(name);
        Prop.ForAll(Gen.Choose(20, 90).Zip(Gen.Choose(0, 10_000)).ToArbitrary(), t =>
        {
            var (n, seed) = t;
            var x = Features.Relu(n, 5, seed).Scaled(40); var y = Features.Relu(n, 4, seed + 7);
            double oneShot = m.Compute(x, y);
            var acc = m.Start(5, 4);
            var rng = new Random(seed);
            for (int start = 0; start < n;)
            {
                int size = Math.Min(n - start, rng.Next(1, 20));
                acc.Add(x.Slice(0, start, start + size), y.Slice(0, start, start + size));
                start += size;
            }
            double streamed = acc.Value();
            if (Math.Abs(streamed - oneShot) > 1e-9) throw new Exception($"{name}, n = {n}: streamed {streamed:R} vs one-shot {oneShot:R}");
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void ConvFeaturesFoldPixelsIntoSamples()
    {
        var x = Features.Gaussian(2 * 3 * 3, 4, 1); var y = Features.Gaussian(2 * 3 * 3, 5, 2);
        // [N·H·W, C] → [N, H, W, C] → [N, C, H, W]
        Tensor<double> AsConv(Tensor<double> rows, int c) => rows.Reshape(2, 3, 3, c).Permute(0, 3, 1, 2).Contiguous();
        foreach (var m in SimilarityMeasure.All)
            Assert.Equal(m.Compute(x, y), m.Compute(AsConv(x, 4), AsConv(y, 5)), 10);
    }

    [Theory]
    [InlineData("cka-debiased")]
    [InlineData("grelu-cka")]
    public void FewerThanFourSamplesAreRefused(string name)
    {
        var m = SimilarityMeasure.Parse(name);
        var x = Features.Gaussian(3, 4, 1);
        var e = Assert.Throws<InvalidOperationException>(() => m.Compute(x, x));
        Assert.Contains("at least 4 samples, got 3", e.Message);
        Assert.Equal(1, m.Compute(Features.Gaussian(4, 4, 1), Features.Gaussian(4, 4, 1)), 9);
    }

    [Fact]
    public void MismatchedSampleCountsNameBothShapes()
    {
        foreach (var m in SimilarityMeasure.All)
        {
            var e = Assert.Throws<ShapeMismatchException>(() => m.Compute(Features.Gaussian(5, 3, 1), Features.Gaussian(6, 7, 2)));
            Assert.Contains("[5, 3]", e.Message);
            Assert.Contains("[6, 7]", e.Message);
            var acc = m.Start(3, 7);
            e = Assert.Throws<ShapeMismatchException>(() => acc.Add(Features.Gaussian(5, 3, 1), Features.Gaussian(5, 6, 2)));
            Assert.Contains("[5, 6]", e.Message);
        }
    }

    [Fact]
    public void UnknownMeasureListsTheNames()
    {
        var e = Assert.Throws<ArgumentException>(() => SimilarityMeasure.Parse("cca"));
        Assert.Contains("grelu-procrustes", e.Message);
    }
}
