using Noether.Alignment.Matching;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Matching;

/// <summary>
/// Must-show 2 of the alignment issue: a model moved by a random element of its full derived group (permutations,
/// scalings, sign flips, heads, GQA, per-head GL) is aligned back to the original exactly.
/// </summary>
public class OrbitRecoveryTests
{
    private static readonly string[] FamilyNames = ["mlp", "mlp-tanh", "mlp-layernorm", "cnn", "resnet20", "transformer", "transformer-rms-gqa"];

    internal static Graph Build(string family) => family switch
    {
        "mlp" => Builders.Mlp(5, [6, 7, 6], 3),
        "mlp-tanh" => Builders.Mlp(5, [6, 7], 3, Activation.Tanh),
        "mlp-layernorm" => Builders.Mlp(5, [6, 7], 3, Activation.Relu, "layernorm"),
        "cnn" => Builders.SmallCnn([2, 8, 8], [3, 4], 3, hidden: 5),
        "resnet20" => Builders.ResNet20([2, 8, 8], 3, width: 2, blocksPerStage: 1),
        "transformer" => Builders.Transformer(4, 3, 3, model: 8, heads: 2, kvHeads: 2, layers: 2, activation: Activation.Relu),
        "transformer-rms-gqa" => Builders.Transformer(4, 3, 3, model: 8, heads: 4, kvHeads: 2, layers: 1, causal: true, norm: "rmsnorm", activation: Activation.Relu),
        _ => throw new ArgumentException(family),
    };

    internal static Model<double> Randomised(Graph graph, ulong seed)
    {
        var rng = new Rng(seed);
        return new Model<double>(graph, graph.Parameters.ToDictionary(p => p.Name, p =>
            p.Name.EndsWith("running_var") ? Tensor<double>.RandomUniform(rng, 0.5, 2.0, p.Shape)
            : p.Name.EndsWith("running_mean") ? Tensor<double>.RandomNormal(rng, 0.0, 0.2, p.Shape)
            : p.Name.EndsWith("bias") ? Tensor<double>.RandomNormal(rng, 0.3, 0.5, p.Shape)
            : Tensor<double>.RandomNormal(rng, 0.0, 0.7, p.Shape)));
    }

    public static TheoryData<string, ScalePolicy> Cases()
    {
        var d = new TheoryData<string, ScalePolicy>();
        foreach (var f in FamilyNames) foreach (var p in new[] { ScalePolicy.MatchA, ScalePolicy.NearestToA }) d.Add(f, p);
        return d;
    }

    [Theory, MemberData(nameof(Cases))]
    public void ARandomGroupElementIsUndoneExactly(string family, ScalePolicy scales)
    {
        var graph = Build(family);
        var spec = SymmetryDeriver.Derive(graph);
        var a = Randomised(graph, 1);
        var b = GroupAction.Apply(a, spec, spec.Random(new Rng(2)));
        Assert.True(WeightMatching.Distance(a, b) > 1e-3, "the random element moved nothing");
        var result = WeightMatching.Align(a, b, spec, new AlignmentOptions { Scales = scales });
        foreach (var (name, p) in a.Parameters)
        {
            double diff = p.MaxAbsDiff(result.Aligned[name]), scale = p.Abs().Max();
            Assert.True(diff <= 1e-8 * Math.Max(1, scale), $"{family}: '{name}' differs by {diff:E2} after alignment\n{string.Join("\n", result.Factors)}");
        }
        Assert.True(result.Check.Within(1e-9));
    }

    [Fact]
    public void MismatchedArchitecturesNameTheFirstDifferingParameter()
    {
        var a = Randomised(Builders.Mlp(5, [6, 7], 3), 1);
        var b = Randomised(Builders.Mlp(5, [6, 8], 3), 2);
        var e = Assert.Throws<ArgumentException>(() => WeightMatching.Align(a, b));
        Assert.Contains("layers.2.weight", e.Message);
        Assert.Contains("[7, 6]", e.Message);
        Assert.Contains("[8, 6]", e.Message);
    }
}
