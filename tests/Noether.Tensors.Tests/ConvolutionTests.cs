using FsCheck;
using FsCheck.Fluent;

namespace Noether.Tensors.Tests;

/// <summary>Conv2d (im2col + GEMM) and pooling against direct loops.</summary>
public class ConvolutionTests
{
    [Fact]
    public void RandomConvolutionsMatchDirectLoops()
    {
        var gen = from n in Gen.Choose(1, 3)
                  from groups in Gen.Elements(1, 2, 3)
                  from cpg in Gen.Choose(1, 3)
                  from opg in Gen.Choose(1, 3)
                  from h in Gen.Choose(3, 9)
                  from w in Gen.Choose(3, 9)
                  from kh in Gen.Choose(1, 3)
                  from kw in Gen.Choose(1, 3)
                  from stride in Gen.Choose(1, 3)
                  from pad in Gen.Choose(0, 2)
                  from dil in Gen.Choose(1, 2)
                  from bias in Gen.Elements(false, true)
                  from strided in Gen.Elements(false, true)
                  from seed in Gen.Choose(0, 10000)
                  select (n, groups, cpg, opg, h, w, kh, kw, stride, pad, dil, bias, strided, seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            if (h_eff(t.h, t.pad, t.dil, t.kh) <= 0 || h_eff(t.w, t.pad, t.dil, t.kw) <= 0) return true;
            var rng = new Rng((ulong)t.seed);
            int c = t.groups * t.cpg, o = t.groups * t.opg;
            // A non-contiguous input: an NHWC buffer viewed as NCHW.
            var x = t.strided ? Tensor<double>.RandomNormal(rng, t.n, t.h, t.w, c).Permute(0, 3, 1, 2) : Tensor<double>.RandomNormal(rng, t.n, c, t.h, t.w);
            var wt = Tensor<double>.RandomNormal(rng, o, t.cpg, t.kh, t.kw);
            var b = t.bias ? Tensor<double>.RandomNormal(rng, o) : null;
            var opts = new Conv2dOptions(t.stride, t.stride, t.pad, t.pad, t.dil, t.dil, t.groups);
            var fast = Convolution.Conv2d(x, wt, b, opts);
            var slow = Reference.Conv2d(x, wt, b, opts);
            return Shapes.Equal(fast.Shape, slow.Shape) && fast.MaxAbsDiff(slow) < 1e-10;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(120));

        static int h_eff(int size, int pad, int dil, int k) => size + 2 * pad - dil * (k - 1);
    }

    [Fact]
    public void FloatConvolutionAgreesWithDoubleReference()
    {
        var rng = new Rng(3);
        var x = Tensor<double>.RandomNormal(rng, 2, 6, 10, 10); var w = Tensor<double>.RandomNormal(rng, 8, 6, 3, 3);
        var opts = Conv2dOptions.Square(1, 1);
        var fast = Convolution.Conv2d(x.Cast<float>(), w.Cast<float>(), null, opts).Cast<double>();
        Assert.True(fast.MaxAbsDiff(Reference.Conv2d(x, w, null, opts)) < 1e-4);
    }

    [Fact]
    public void ChannelMismatchNamesBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Convolution.Conv2d(Tensor<double>.Zeros(1, 3, 5, 5), Tensor<double>.Zeros(4, 2, 3, 3), null, Conv2dOptions.Default));
        Assert.Contains("[1, 3, 5, 5]", e.Message); Assert.Contains("[4, 2, 3, 3]", e.Message);
    }

    [Fact]
    public void MaxPoolPicksWindowMaxima()
    {
        var x = Tensor<double>.FromArray(Enumerable.Range(0, 16).Select(i => (double)i).ToArray(), 1, 1, 4, 4);
        var (y, _) = Pooling.MaxPool2d(x, Pool2dOptions.Square(2));
        Assert.Equal(new double[] { 5, 7, 13, 15 }, y.ToArray());
        var avg = Pooling.AvgPool2d(x, Pool2dOptions.Square(2));
        Assert.Equal(new double[] { 2.5, 4.5, 10.5, 12.5 }, avg.ToArray());
    }
}
