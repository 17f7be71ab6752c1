using Noether.Tensors.Autodiff;

namespace Noether.Tensors.Tests;

/// <summary>The per-step storage arena: reuse after a reset, no sharing within a step, zeroed reuse, scoping.</summary>
public class TensorArenaTests
{
    [Fact]
    public void BuffersAreReusedAfterResetAndDistinctWithinAStep()
    {
        var arena = new TensorArena(minimumLength: 16);
        Tensor<float> a, b;
        using (arena.Enter()) { a = Tensor<float>.Zeros(8, 8); b = Tensor<float>.Zeros(8, 8); }
        Assert.NotSame(ArrayOf(a), ArrayOf(b));
        Assert.Equal(2, arena.Rented);
        arena.Reset();
        Assert.Equal(0, arena.Rented);
        Tensor<float> c, d;
        using (arena.Enter()) { c = Tensor<float>.Zeros(8, 8); d = Tensor<float>.Zeros(8, 8); }
        Assert.Same(ArrayOf(a), ArrayOf(c));
        Assert.Same(ArrayOf(b), ArrayOf(d));
        Assert.Equal(2 * 64 * sizeof(float), arena.CapacityBytes);
    }

    [Fact]
    public void ReusedZeroTensorsAreZero()
    {
        var arena = new TensorArena(minimumLength: 4);
        using (arena.Enter()) Tensor<double>.Full(5, 10).Span.Fill(9);
        arena.Reset();
        using (arena.Enter()) Assert.All(Tensor<double>.Zeros(10).ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void OnlyLargeBuffersInsideAScopeComeFromTheArena()
    {
        var arena = new TensorArena(minimumLength: 100);
        using (arena.Enter()) { _ = Tensor<float>.Zeros(99); }
        Assert.Equal(0, arena.Rented);
        _ = Tensor<float>.Zeros(1000);
        Assert.Equal(0, arena.Rented);
        Assert.Null(TensorArena.Current);
        using (arena.Enter()) { Assert.Same(arena, TensorArena.Current); _ = Tensor<float>.Zeros(100); }
        Assert.Equal(1, arena.Rented);
        Assert.Null(TensorArena.Current);
    }

    [Fact]
    public void ClonesLeaveTheArena()
    {
        var arena = new TensorArena(minimumLength: 4);
        Tensor<double> kept;
        using (arena.Enter()) kept = (Tensor<double>.Ones(3, 3) * 2.0).Clone();
        arena.Reset();
        using (arena.Enter()) { _ = Tensor<double>.Full(-1, 3, 3); _ = Tensor<double>.Full(-1, 3, 3); _ = Tensor<double>.Full(-1, 3, 3); }
        Assert.All(kept.ToArray(), v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void TrainingStepsInAnArenaGiveTheSameGradientsAsWithout()
    {
        var r = new Rng(2);
        var x = Tensor<double>.RandomNormal(r, 16, 40); var w = Tensor<double>.RandomNormal(r, 30, 40); var b = Tensor<double>.RandomNormal(r, 30);
        int[] labels = Enumerable.Range(0, 16).Select(i => i % 30).ToArray();
        double[] Grad()
        {
            var wv = Variable<double>.Parameter(w);
            Ops.SoftmaxCrossEntropy(Ops.Linear(Variable<double>.Constant(x), wv, Variable<double>.Constant(b), FusedActivation.Relu), labels).Backward();
            return wv.Grad!.ToArray();
        }
        var expected = Grad();
        var arena = new TensorArena(minimumLength: 8);
        for (int step = 0; step < 3; step++)
        {
            arena.Reset();
            using var _ = arena.Enter();
            Assert.Equal(expected, Grad());
        }
        Assert.True(arena.CapacityBytes > 0);
    }

    [Fact]
    public void RejectsANonPositiveMinimum() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorArena(0));

    private static object ArrayOf<T>(Tensor<T> t) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<T>(t.Storage, out var seg));
        return seg.Array!;
    }
}
