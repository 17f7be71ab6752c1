using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>Group axioms and matrix consistency, run generically over every group type.</summary>
public class GroupLawTests
{
    public static TheoryData<string> Groups => new()
    {
        "trivial", "perm", "pos", "sign", "nonzero", "monomial", "signedperm", "invmonomial", "orthogonal", "gl", "product", "rotary", "rotaryinterleaved",
    };

    internal static Group Make(string name, int n = 5) => name switch
    {
        "trivial" => Group.Trivial(n), "perm" => Group.Permutation(n), "pos" => Group.PositiveScaling(n), "sign" => Group.SignFlips(n),
        "nonzero" => Group.NonzeroScaling(n), "monomial" => Group.Monomial(n), "signedperm" => Group.SignedPermutation(n),
        "invmonomial" => Group.InvertibleMonomial(n), "orthogonal" => Group.Orthogonal(n), "gl" => Group.GeneralLinear(n),
        "rotary" => new ScaledRotationGroup(n, n / 2 - 1, false), "rotaryinterleaved" => new ScaledRotationGroup(n, n / 2, true),
        "product" => new ProductGroup([Group.Monomial(3), Group.Orthogonal(2), Group.Permutation(4)]),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Groups))]
    public void GroupAxiomsHold(string name)
    {
        var g = Make(name);
        var rng = new Rng(1);
        for (int trial = 0; trial < 20; trial++)
        {
            var a = g.Random(rng); var b = g.Random(rng); var c = g.Random(rng);
            Assert.True(g.Contains(a), $"{g}: random element {a} is not a member");
            Assert.True(g.Contains(a.Compose(b)), $"{g}: not closed under composition");
            Assert.True(g.Contains(a.Inverse()), $"{g}: not closed under inversion");
            Assert.True(a.Compose(b).Compose(c).Distance(a.Compose(b.Compose(c))) < 1e-9, "associativity");
            Assert.True(a.Compose(a.Inverse()).IsIdentity(1e-9), "a·a⁻¹ = e");
            Assert.True(g.Identity.Compose(a).Distance(a) < 1e-12, "e·a = a");
            Assert.True(a.Compose(b).ToMatrix().MaxAbsDiff(a.ToMatrix().MatMul(b.ToMatrix())) < 1e-9, "matrix of a product = product of matrices");
        }
    }

    [Fact]
    public void MembershipRejectsElementsOutsideTheGroup()
    {
        var rng = new Rng(2);
        Assert.False(Group.Permutation(4).Contains(MonomialElement.FromDiagonal([1, 2, 1, 1])));
        Assert.False(Group.Monomial(3).Contains(MonomialElement.FromDiagonal([1, -1, 1])));
        Assert.False(Group.SignFlips(3).Contains(MonomialElement.FromPermutation([1, 0, 2])));
        Assert.False(Group.Orthogonal(3).Contains(Group.GeneralLinear(3).Random(rng)));
        Assert.False(Group.Monomial(3).Contains(Group.Orthogonal(3).Random(rng)));
        Assert.True(Group.GeneralLinear(3).Contains(Group.Orthogonal(3).Random(rng)));
    }

    [Fact]
    public void IntersectionFollowsTheLattice()
    {
        int n = 6;
        Assert.Equal(Group.Permutation(n), Group.Monomial(n).Intersect(Group.SignedPermutation(n)));
        Assert.Equal(Group.SignedPermutation(n), Group.Orthogonal(n).Intersect(Group.InvertibleMonomial(n)));
        Assert.Equal(Group.Permutation(n), Group.Monomial(n).Intersect(Group.Orthogonal(n)));
        Assert.Equal(Group.Monomial(n), Group.GeneralLinear(n).Intersect(Group.Monomial(n)));
        Assert.Equal(Group.Trivial(n), Group.PositiveScaling(n).Intersect(Group.SignFlips(n)));
        Assert.Equal(Group.PositiveScaling(n), Group.Monomial(n).Intersect(Group.NonzeroScaling(n)));
    }

    [Fact]
    public void CountsAndNames()
    {
        var g = Group.Monomial(512);
        Assert.Equal(512, g.ContinuousDimension);
        Assert.Equal(1166.5412408857692, g.Log10FiniteOrder, 9); // log10(512!) = lgamma(513)/ln 10 (Python)
        Assert.Equal("S_512 ⋉ (R+)^512", g.ToString());
        Assert.Equal("GL(16)", Group.GeneralLinear(16).ToString());
        Assert.Equal(256, Group.GeneralLinear(16).ContinuousDimension);
        Assert.Equal(120, Group.Orthogonal(16).ContinuousDimension);
        Assert.Equal(Group.SignedPermutation(4), Group.SignedPermutation(4)); // value equality
        Assert.Equal(5 * Math.Log10(2) + Math.Log10(120), Group.SignedPermutation(5).Log10FiniteOrder, 10);
    }
}
