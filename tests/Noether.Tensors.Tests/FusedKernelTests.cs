using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Tensors.Tests;

/// <summary>
/// The fused kernels (Linear with bias and ReLU, softmax cross-entropy) against float64 finite differences and
/// against the unfused reference built from the primitive ops; odd sizes exercise the SIMD tails.
/// </summary>
public class FusedKernelTests
{
    private const double Tolerance = 1e-6;

    private static Tensor<double> N(Rng r, params int[] shape) => Tensor<double>.RandomNormal(r, shape);

    private static void Check(Func<V[], V> f, params Tensor<double>[] inputs)
    {
        var r = GradCheck.Run(f, inputs);
        Assert.True(r.MaxRelativeError <= Tolerance, $"max relative error {r.MaxRelativeError:E3} at input {r.Worst.Input} element {r.Worst.Element}: analytic {r.Analytic}, numeric {r.Numeric}");
    }

    private static Variable<T> Unfused<T>(Variable<T> x, Variable<T> w, Variable<T>? b, FusedActivation act) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var y = Ops.MatMul(x, Ops.Transpose(w));
        if (b is not null) y = y + b;
        return act == FusedActivation.Relu ? Ops.Relu(y) : y;
    }

    [Theory]
    [InlineData(FusedActivation.None, true)]
    [InlineData(FusedActivation.Relu, true)]
    [InlineData(FusedActivation.None, false)]
    [InlineData(FusedActivation.Relu, false)]
    public void LinearMatchesFiniteDifferences(FusedActivation act, bool bias)
    {
        var r = new Rng(7);
        // Inputs shifted so no pre-activation sits within the finite-difference step of the ReLU kink.
        Tensor<double>[] inputs = bias ? [N(r, 5, 7), N(r, 13, 7), N(r, 13)] : [N(r, 5, 7), N(r, 13, 7)];
        Check(v => Ops.Linear(v[0], v[1], bias ? v[2] : null, act), inputs);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 17, 9)]
    [InlineData(64, 33, 131)]
    public void LinearEqualsTheUnfusedReference(int n, int inF, int outF)
    {
        foreach (var act in new[] { FusedActivation.None, FusedActivation.Relu })
        {
            var r = new Rng((ulong)(n * 1000 + inF * 10 + outF));
            var x = N(r, n, inF); var w = N(r, outF, inF); var b = N(r, outF); var seed = N(r, n, outF);
            var (fy, fg) = Run(v => Ops.Linear(v[0], v[1], v[2], act), seed, x, w, b);
            var (uy, ug) = Run(v => Unfused(v[0], v[1], v[2], act), seed, x, w, b);
            AssertClose(uy, fy, 1e-12);
            for (int i = 0; i < 3; i++) AssertClose(ug[i], fg[i], 1e-12);
        }
    }

    [Fact]
    public void LinearInFloat32EqualsTheUnfusedReference()
    {
        var r = new Rng(3);
        var x = Tensor<float>.RandomNormal(r, 19, 45); var w = Tensor<float>.RandomNormal(r, 23, 45); var b = Tensor<float>.RandomNormal(r, 23);
        var xs = new[] { x, w, b }.Select(t => Variable<float>.Parameter(t)).ToArray();
        var xu = new[] { x, w, b }.Select(t => Variable<float>.Parameter(t)).ToArray();
        var fused = Ops.Linear(xs[0], xs[1], xs[2], FusedActivation.Relu);
        var plain = Unfused(xu[0], xu[1], xu[2], FusedActivation.Relu);
        Ops.Sum(fused).Backward(); Ops.Sum(plain).Backward();
        AssertClose(plain.Value.Cast<double>(), fused.Value.Cast<double>(), 1e-5);
        for (int i = 0; i < 3; i++) AssertClose(xu[i].Grad!.Cast<double>(), xs[i].Grad!.Cast<double>(), 1e-4);
    }

    [Fact]
    public void LinearRejectsMismatchedShapes()
    {
        var x = V.Parameter(new Tensor<double>(2, 3)); var w = V.Parameter(new Tensor<double>(4, 5));
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Linear(x, w, null));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.Linear(x, V.Parameter(new Tensor<double>(4, 3)), V.Parameter(new Tensor<double>(3))));
    }

    [Fact]
    public void SoftmaxCrossEntropyMatchesFiniteDifferences()
    {
        var r = new Rng(11);
        int[] labels = [0, 4, 2, 4, 1, 3, 0];
        Check(v => Ops.SoftmaxCrossEntropy(v[0], labels), N(r, 7, 5).Map(v => 3 * v));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(128, 10)]
    [InlineData(9, 37)]
    public void SoftmaxCrossEntropyEqualsTheUnfusedReference(int n, int c)
    {
        var r = new Rng((ulong)(n * 100 + c));
        var z = N(r, n, c).Map(v => 20 * v); // large logits: the max shift must keep exp finite
        var labels = Enumerable.Range(0, n).Select(_ => r.NextInt(c)).ToArray();
        var seed = Tensor<double>.Scalar(1.7);
        var (fy, fg) = Run(v => Ops.SoftmaxCrossEntropy(v[0], labels), seed, z);
        var (uy, ug) = Run(v => -Ops.Mean(Ops.PickColumns(Ops.LogSoftmax(v[0], -1), labels)), seed, z);
        AssertClose(uy, fy, 1e-12);
        AssertClose(ug[0], fg[0], 1e-12);
    }

    [Fact]
    public void SoftmaxCrossEntropyRejectsBadLabels()
    {
        var z = V.Parameter(new Tensor<double>(2, 3));
        Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(z, [0, 3]));
        Assert.Throws<ShapeMismatchException>(() => Ops.SoftmaxCrossEntropy(z, [0]));
    }

    [Fact]
    public void GradientsAccumulatedInPlaceLeaveSharedGradientsIntact()
    {
        // x feeds four readers; Add hands the same gradient tensor to both parents, so an in-place sum into a
        // shared tensor would corrupt the other branch.
        var r = new Rng(5);
        Check(v => { var s = v[0] + v[0]; return s + v[0] * v[1] + Ops.Exp(v[0]) + s * v[1]; }, N(r, 3, 4), N(r, 3, 4));
        var x = V.Parameter(Tensor<double>.Ones(2, 2));
        Ops.Sum(x + x + x + x).Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(4.0, g));
    }

    private static (Tensor<double> Y, Tensor<double>[] Grads) Run(Func<V[], V> f, Tensor<double> seed, params Tensor<double>[] inputs)
    {
        var vars = inputs.Select(t => V.Parameter(t.Clone())).ToArray();
        var y = f(vars);
        y.Backward(seed);
        return (y.Value.Clone(), vars.Select(v => v.Grad!.Clone()).ToArray());
    }

    private static void AssertClose(Tensor<double> expected, Tensor<double> actual, double tol)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray(); var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tol * Math.Max(1, Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }
}

/// <summary>The fused training-mode BatchNorm against finite differences and against the composition of primitive ops.</summary>
public class FusedBatchNormTests
{
    private static Variable<double> Unfused(Variable<double> x, Variable<double> gamma, Variable<double> beta, double eps)
    {
        int rank = x.Value.Rank, c = x.Value.Dim(1);
        int[] shape = rank == 4 ? [1, c, 1, 1] : [1, c];
        Variable<double> Reduce(Variable<double> v)
        {
            var r = Ops.Mean(v, 0, keepDims: true);
            return rank == 4 ? Ops.Mean(Ops.Mean(r, 3, keepDims: true), 2, keepDims: true) : r;
        }
        var centered = x - Reduce(x);
        var variance = Reduce(Ops.Square(centered));
        return centered / Ops.Sqrt(variance + eps) * Ops.Reshape(gamma, shape) + Ops.Reshape(beta, shape);
    }

    [Theory]
    [InlineData(4, 3, 5, 7)]
    [InlineData(6, 5, 0, 0)]
    [InlineData(2, 2, 3, 3)]
    public void MatchesFiniteDifferencesAndTheUnfusedGraph(int n, int c, int h, int w)
    {
        var r = new Rng((ulong)(n * 31 + c));
        int[] shape = h == 0 ? [n, c] : [n, c, h, w];
        var x = Tensor<double>.RandomNormal(r, shape); var gamma = Tensor<double>.RandomNormal(r, c); var beta = Tensor<double>.RandomNormal(r, c);
        var check = GradCheck.Run(v => Ops.BatchNorm(v[0], v[1], v[2], 1e-5).Output, [x, gamma, beta]);
        Assert.True(check.MaxRelativeError <= 1e-6, $"max relative error {check.MaxRelativeError:E3} at input {check.Worst.Input}");
        var seed = Tensor<double>.RandomNormal(r, shape);
        var fv = new[] { x, gamma, beta }.Select(t => Variable<double>.Parameter(t.Clone())).ToArray();
        var uv = new[] { x, gamma, beta }.Select(t => Variable<double>.Parameter(t.Clone())).ToArray();
        var (fy, mean, variance) = Ops.BatchNorm(fv[0], fv[1], fv[2], 1e-5);
        var uy = Unfused(uv[0], uv[1], uv[2], 1e-5);
        fy.Backward(seed); uy.Backward(seed);
        Assert.True(fy.Value.MaxAbsDiff(uy.Value) < 1e-12);
        for (int i = 0; i < 3; i++) Assert.True(fv[i].Grad!.MaxAbsDiff(uv[i].Grad!) < 1e-10, $"gradient {i}");
        // The returned statistics are the batch mean and biased variance per channel.
        var xs = x.ToArray(); int hw = x.Length / (n * c);
        for (int ch = 0; ch < c; ch++)
        {
            var vals = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, hw).Select(k => xs[(i * c + ch) * hw + k])).ToArray();
            Assert.Equal(vals.Average(), mean[ch], 12);
            Assert.Equal(vals.Select(v => (v - vals.Average()) * (v - vals.Average())).Average(), variance[ch], 12);
        }
    }

    [Fact]
    public void RejectsMismatchedChannels()
    {
        var x = Variable<double>.Parameter(new Tensor<double>(2, 3, 4, 4));
        Assert.Throws<ShapeMismatchException>(() => Ops.BatchNorm(x, Variable<double>.Parameter(new Tensor<double>(2)), Variable<double>.Parameter(new Tensor<double>(3)), 1e-5));
    }
}

/// <summary>The one-pass residual join + ReLU against the two-pass reference, with SIMD tails.</summary>
public class AddReluTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(131)]
    public void EqualsAddThenRelu(int length)
    {
        var r = new Rng((ulong)length);
        var a = Tensor<float>.RandomNormal(r, length); var b = Tensor<float>.RandomNormal(r, length);
        Assert.Equal((a + b).Relu().ToArray(), a.AddRelu(b).ToArray());
        var ad = Tensor<double>.RandomNormal(r, 3, length); var bd = Tensor<double>.RandomNormal(r, 3, length);
        Assert.Equal((ad + bd).Relu().ToArray(), ad.AddRelu(bd).ToArray());
        Assert.Throws<ShapeMismatchException>(() => a.AddRelu(Tensor<float>.Zeros(length + 1)));
    }
}
