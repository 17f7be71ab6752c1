using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

public class IntertwinerTests
{
    private const int N = 6;

    public static TheoryData<string> Activations => new() { "identity", "relu", "leaky_relu(0.1)", "tanh", "sigmoid", "gelu", "silu", "softplus", "abs",
        "relu6", "clip(-1,1)", "clip(-inf,0.5)", "clip(0,inf)", "clip(-inf,0)", "hard_sigmoid(0.2,0.5)", "hard_swish", "gelu_tanh" };

    /// <summary>max |σ(Ax) − φ(A)σ(x)| over random x, for one element A.</summary>
    private static double Defect(Activation act, Intertwiner it, GroupElement a, Rng rng)
    {
        double worst = 0;
        var m = a.ToMatrix();
        var b = it.Phi.Apply(a).ToMatrix();
        for (int t = 0; t < 20; t++)
        {
            var x = Tensor<double>.RandomNormal(rng, N, 1) * 2.0;
            var lhs = m.MatMul(x).Map(act.Evaluate);
            var rhs = b.MatMul(x.Map(act.Evaluate));
            worst = Math.Max(worst, lhs.MaxAbsDiff(rhs));
        }
        return worst;
    }

    [Theory, MemberData(nameof(Activations))]
    public void GroupElementsIntertwineAndOutsidersDoNot(string name)
    {
        var act = Activation.Parse(name);
        var it = IntertwinerGroups.Of(act, N);
        var rng = new Rng(3);
        for (int trial = 0; trial < 10; trial++)
            Assert.True(Defect(act, it, it.Group.Random(rng), rng) < 1e-9, $"{it}: a random group element does not intertwine");
        // One step outside: the smallest lattice group strictly containing G_σ.
        GroupElement outsider = it.Group switch
        {
            GeneralLinearGroup => null!,
            MonomialGroup { Diagonal: DiagonalKind.Positive } => Group.SignFlips(N).Random(rng).Compose(MonomialElement.FromDiagonal([-1, 1, 1, 1, 1, 1])),
            MonomialGroup { Diagonal: DiagonalKind.Sign } => MonomialElement.FromDiagonal([2.5, 1, 1, 1, 1, 1]),
            MonomialGroup { Diagonal: DiagonalKind.None } => MonomialElement.FromDiagonal([-1, 1, 1, 1, 1, 1]),
            MonomialGroup { Diagonal: DiagonalKind.Nonzero } => Group.Orthogonal(N).Random(rng),
            _ => throw new InvalidOperationException(it.Group.Name),
        };
        if (outsider is null) return; // GL(n) is the whole ambient group
        Assert.False(it.Group.Contains(outsider));
        Assert.True(Defect(act, it, outsider, rng) > 1e-3, $"{it}: {outsider} lies outside G_σ but intertwines");
    }

    [Fact]
    public void TableMatchesTheSpec()
    {
        Assert.Equal(Group.GeneralLinear(N), IntertwinerGroups.Of(Activation.Identity, N).Group);
        Assert.Equal(Group.Monomial(N), IntertwinerGroups.Of(Activation.Relu, N).Group);
        Assert.Equal(Group.Monomial(N), IntertwinerGroups.Of(Activation.LeakyRelu(0.2), N).Group);
        Assert.Equal(Group.SignedPermutation(N), IntertwinerGroups.Of(Activation.Tanh, N).Group);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.Sigmoid, N).Group);
        Assert.Equal(Group.SignedPermutation(N), IntertwinerGroups.Of(Activation.Sigmoid, N, allowAffine: true).Group);
        Assert.Equal(1.0, IntertwinerGroups.Of(Activation.Sigmoid, N, allowAffine: true).AffineOffset);
        Assert.Equal(Group.Permutation(N), IntertwinerGroups.Of(Activation.Gelu, N).Group);
        Assert.Equal(Group.InvertibleMonomial(N), IntertwinerGroups.Of(Activation.Abs, N).Group);
        Assert.Equal(PhiMap.Abs, IntertwinerGroups.Of(Activation.Abs, N).Phi);
    }

    [Fact]
    public void SigmoidSignFlipsAreAffineIntertwiners()
    {
        // σ(Sx) = S σ(x) + (1 − s)/2 · c with c = 1: the offset the next bias absorbs.
        var rng = new Rng(5);
        var s = (MonomialElement)Group.SignFlips(N).Random(rng);
        var x = Tensor<double>.RandomNormal(rng, N, 1);
        var lhs = s.ToMatrix().MatMul(x).Map(Activation.Sigmoid.Evaluate);
        var offset = Tensor<double>.FromArray(s.Scale.Select(v => (1 - v) / 2).ToArray(), N, 1);
        var rhs = s.ToMatrix().MatMul(x.Map(Activation.Sigmoid.Evaluate)) + offset;
        Assert.True(lhs.MaxAbsDiff(rhs) < 1e-12);
    }

    public static TheoryData<string, string, string> CustomCases => new()
    {
        { "2x", "GL(6)", "A" },
        { "relu", "S_6 ⋉ (R+)^6", "A" },
        { "leaky(0.3)", "S_6 ⋉ (R+)^6", "A" },
        { "tanh", "S_6 ⋉ {±1}^6", "A" },
        { "atan", "S_6 ⋉ {±1}^6", "A" },
        { "abs", "S_6 ⋉ (R*)^6", "|A|" },
        { "cube", "S_6 ⋉ (R*)^6", "P·D^3" },
        { "square", "S_6 ⋉ (R*)^6", "P·D^2" },
        { "relu2", "S_6 ⋉ (R+)^6", "P·D^2" },
        { "gelu", "S_6", "A" },
        { "sigmoid", "S_6", "A" },
        { "cos", "S_6", "A" },
    };

    [Theory, MemberData(nameof(CustomCases))]
    public void ClassifierRecoversTheGroupOfAnyFunction(string name, string expectedGroup, string expectedPhi)
    {
        Func<double, double> f = name switch
        {
            "2x" => x => 2 * x, "relu" => x => Math.Max(x, 0), "leaky(0.3)" => x => x > 0 ? x : 0.3 * x, "tanh" => Math.Tanh, "atan" => Math.Atan,
            "abs" => Math.Abs, "cube" => x => x * x * x, "square" => x => x * x, "relu2" => x => x > 0 ? x * x : 0,
            "gelu" => Activation.Gelu.Evaluate, "sigmoid" => Activation.Sigmoid.Evaluate, "cos" => Math.Cos,
            _ => throw new ArgumentException(name),
        };
        var custom = new CustomActivation(name, f, _ => 0);
        var it = IntertwinerGroups.Of(custom, N);
        Assert.Equal(expectedGroup, it.Group.Name);
        Assert.Equal(expectedPhi, it.Phi.ToString());
        // The certificate is real: random elements intertwine for the classified group.
        var rng = new Rng(9);
        for (int t = 0; t < 5; t++) Assert.True(Defect(custom, it, it.Group.Random(rng), rng) < 1e-6, $"{name}: {it}");
        if (name == "sigmoid")
            Assert.Equal(Group.SignedPermutation(N), IntertwinerGroups.Of(custom, N, allowAffine: true).Group);
    }
}
