using Noether.Tensors.Linalg;

namespace Noether.Tensors.Tests;

public class LinalgTests
{
    private static readonly Rng R = new(17);

    [Fact]
    public void SvdReconstructsAndIsOrdered()
    {
        var a = Tensor<double>.RandomNormal(R, 5, 3);
        var (u, s, vt) = Linalg.Linalg.Svd(a);
        var back = (u * s).MatMul(vt);
        Assert.True(back.MaxAbsDiff(a) < 1e-12);
        var sv = s.ToArray();
        Assert.True(sv[0] >= sv[1] && sv[1] >= sv[2]);
        Assert.True(u.Transpose().MatMul(u).MaxAbsDiff(Tensor<double>.Eye(3)) < 1e-12);
    }

    [Fact]
    public void SymmetricEigenDiagonalises()
    {
        var b = Tensor<double>.RandomNormal(R, 4, 4);
        var a = b.MatMul(b.Transpose());
        var (values, vectors) = Linalg.Linalg.SymmetricEigen(a);
        var back = (vectors * values).MatMul(vectors.Transpose());
        Assert.True(back.MaxAbsDiff(a) < 1e-10);
        var v = values.ToArray();
        Assert.True(v.Zip(v.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void SolveInverseAndPseudoInverse()
    {
        var a = Tensor<double>.RandomNormal(R, 4, 4) + Tensor<double>.Eye(4) * 3.0;
        var x = Tensor<double>.RandomNormal(R, 4, 2);
        Assert.True(Linalg.Linalg.Solve(a, a.MatMul(x)).MaxAbsDiff(x) < 1e-10);
        Assert.True(Linalg.Linalg.Inverse(a).MatMul(a).MaxAbsDiff(Tensor<double>.Eye(4)) < 1e-10);
        var tall = Tensor<double>.RandomNormal(R, 6, 3);
        var pinv = Linalg.Linalg.PseudoInverse(tall);
        Assert.True(pinv.MatMul(tall).MaxAbsDiff(Tensor<double>.Eye(3)) < 1e-10);
        var (q, r) = Linalg.Linalg.Qr(tall);
        Assert.True(q.MatMul(r).MaxAbsDiff(tall) < 1e-12);
        Assert.Equal(0.0, r[2, 0]);
    }

    [Fact]
    public void SingularAndNonSquareInputsAreRejected()
    {
        Assert.Throws<InvalidOperationException>(() => Linalg.Linalg.Inverse(Tensor<double>.Zeros(3, 3)));
        var e = Assert.Throws<ShapeMismatchException>(() => Linalg.Linalg.Inverse(Tensor<double>.Zeros(2, 3)));
        Assert.Contains("[2, 3]", e.Message);
    }
}
