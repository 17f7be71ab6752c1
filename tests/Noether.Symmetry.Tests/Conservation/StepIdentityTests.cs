using Noether.Nn.Operations;
using Noether.Symmetry.Conservation;
using Noether.Symmetry.Derivation;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>
/// Must-show 1 of the conservation issue: the exact per-step identities (linear Q unchanged, quadratic ΔQ = η²·Q(g))
/// for every family derived from the spec — never listed by hand — on an MLP, a CNN with BatchNorm, ResNet-20, a GQA
/// transformer and a LoRA-adapted MLP.
/// </summary>
public class StepIdentityTests
{
    public static TheoryData<string> Families() => new(Training.Families);

    [Theory, MemberData(nameof(Families))]
    public void OneGradientStepObeysEveryIdentity(string family)
    {
        var graph = Training.Build(family);
        var frozen = Training.Frozen(family, graph);
        var laws = ConservationLaws.Derive(graph, new ConservationOptions(Frozen: frozen));
        Assert.NotEmpty(laws.Families);
        var model = Models.Randomised(graph, 11);
        var (x, y) = Training.Data(graph, 12);
        var (_, g) = Training.Gradient(model, x, y, frozen);
        foreach (double lr in new[] { 0.05, 0.3 })
        {
            var after = Training.Step(model, g, lr);
            foreach (var r in StepIdentity.Check(laws, model.Parameters, g, lr, after.Parameters))
            {
                Assert.True(r.Exact, $"{family}: {r.Family} should be exact with ε = 0");
                Assert.True(r.MaxRelResidual <= 1e-10, $"{family}, η = {lr}: {r.Family} ({r.Kind}) residual {r.MaxRelResidual:E2} relative\n{laws}");
            }
        }
    }

    [Theory, MemberData(nameof(Families))]
    public void TheDerivedFamiliesAreTheExpectedKinds(string family)
    {
        var graph = Training.Build(family);
        var laws = ConservationLaws.Derive(graph, new ConservationOptions(Frozen: Training.Frozen(family, graph)));
        var kinds = laws.Families.Select(f => f.Kind).ToHashSet();
        LawKind[] expected = family switch
        {
            "mlp" => [LawKind.Rescaling, LawKind.SoftmaxTranslation],
            "mlp-linear" => [LawKind.Balance, LawKind.SoftmaxTranslation],
            "mlp-square" => [LawKind.Rescaling, LawKind.SoftmaxTranslation],
            "mlp-layernorm" => [LawKind.Rescaling, LawKind.NormScale, LawKind.NormTranslation, LawKind.SoftmaxTranslation],
            "cnn-batchnorm" => [LawKind.Rescaling, LawKind.NormScale, LawKind.NormTranslation, LawKind.SoftmaxTranslation],
            "resnet20" => [LawKind.Rescaling, LawKind.SoftmaxTranslation],
            "transformer-gqa" => [LawKind.Balance, LawKind.Rescaling, LawKind.SoftmaxTranslation],
            "lora-mlp" => [LawKind.Balance],
            _ => [],
        };
        foreach (var k in expected) Assert.True(kinds.Contains(k), $"{family}: no {k} family\n{laws}");
        if (family == "lora-mlp")
        {
            // Only the adapters train: GL(r) per adapter, nothing that moves a frozen base weight.
            Assert.Equal(3, laws.Families.Count);
            Assert.All(laws.Families, f => Assert.All(f.Parameters, p => Assert.Contains(".lora_", p)));
            Assert.All(laws.Families, f => Assert.Equal(2 * 3 / 2, f.Count));
            Assert.Contains(laws.Notes, n => n.Contains("not trained"));
        }
        if (family == "mlp-square")
        {
            // x² doubles the scale it passes on: the outgoing weights enter with coefficient −2 (SPEC: k·u² − ‖v‖²).
            var first = (QuadraticFamily)laws.Families.First(f => f.Kind == LawKind.Rescaling);
            Assert.Contains(first.Terms, t => t.Coefficient == -2);
            Assert.Contains(first.Terms, t => t.Coefficient == 1);
        }
        if (family == "transformer-gqa")
            Assert.Equal(4, laws.Families.Count(f => f.Kind == LawKind.Balance)); // qk and vo per K/V head
    }

    [Fact]
    public void LawCountsFollowTheGroup()
    {
        // Two-layer nets with h hidden units: ReLU rescaling gives h laws, GL(h) gives h(h+1)/2.
        const int h = 5;
        var relu = ConservationLaws.Derive(Noether.Nn.Architectures.Builders.Mlp(4, [h], 3), new ConservationOptions(TrainingLoss.MeanSquaredError));
        Assert.Equal(h, relu.Count);
        var linear = ConservationLaws.Derive(Noether.Nn.Architectures.Builders.Mlp(4, [h], 3, Activation.Identity), new ConservationOptions(TrainingLoss.MeanSquaredError));
        Assert.Equal(h * (h + 1) / 2, linear.Count);
        var tanh = ConservationLaws.Derive(Noether.Nn.Architectures.Builders.Mlp(4, [h], 3, Activation.Tanh), new ConservationOptions(TrainingLoss.MeanSquaredError));
        Assert.Equal(0, tanh.Count); // signed permutations: discrete only
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("transformer-gqa")]
    [InlineData("cnn-batchnorm")]
    public void AWrongLawFailsTheIdentity(string family)
    {
        // The other way round: flip the sign of the first term (a weight) of each rescaling or balance family — no
        // longer a symmetry's moment map — and the identity breaks by far more than rounding. (A norm-scale family is
        // no test: the bias before a norm has zero gradient, so each of its terms is conserved on its own.)
        var graph = Training.Build(family);
        var laws = ConservationLaws.Derive(graph);
        var model = Models.Randomised(graph, 21);
        var (x, y) = Training.Data(graph, 22);
        var (_, g) = Training.Gradient(model, x, y);
        var after = Training.Step(model, g, 0.1);
        int broken = 0;
        foreach (var f in laws.Families.OfType<QuadraticFamily>().Where(f => f.Kind is LawKind.Rescaling or LawKind.Balance))
        {
            var wrong = f with { Terms = f.Terms.Select((t, i) => i == 0 ? t with { Coefficient = -t.Coefficient } : t).ToArray() };
            var r = StepIdentity.Check(new ConservedQuantities(graph.Name, [wrong], []), model.Parameters, g, 0.1, after.Parameters)[0];
            Assert.True(r.MaxRelResidual > 1e-6, $"{family}: {f.Name} with a flipped term still holds ({r.MaxRelResidual:E2})");
            broken++;
        }
        Assert.True(broken > 0);
    }

    [Fact]
    public void NormEpsilonBreaksScaleInvarianceAndIsFlagged()
    {
        var graph = Training.CnnWithBatchNorm(eps: 1e-2);
        var laws = ConservationLaws.Derive(graph);
        var norm = laws.OfKind(LawKind.NormScale).ToArray();
        Assert.NotEmpty(norm);
        Assert.All(norm, f => Assert.False(f.Exact));
        Assert.Contains(laws.Notes, n => n.Contains("ε"));
        var model = Models.Randomised(graph, 31);
        var (x, y) = Training.Data(graph, 32);
        var (_, g) = Training.Gradient(model, x, y);
        var after = Training.Step(model, g, 0.3);
        var residuals = StepIdentity.Check(laws, model.Parameters, g, 0.3, after.Parameters);
        Assert.Contains(residuals, r => r.Kind == LawKind.NormScale && r.MaxRelResidual > 1e-9);
        Assert.All(residuals.Where(r => r.Exact), r => Assert.True(r.MaxRelResidual <= 1e-10, $"{r.Family}: {r.MaxRelResidual:E2}"));
    }

    [Fact]
    public void SkewOnlyFactorsAreNamedInNotes()
    {
        // An RMSNorm-folded residual stream derives O(d): rotations conserve nothing, and the notes say so.
        var graph = Noether.Nn.Architectures.Builders.Transformer(4, 3, 3, model: 8, heads: 2, kvHeads: 2, layers: 1, norm: "rmsnorm");
        var model = Models.Randomised(graph, 41);
        var folded = Noether.Symmetry.Transforms.NormFolding.FoldRmsNormGains(model);
        var spec = SymmetryDeriver.Derive(folded.Graph);
        var laws = ConservationLaws.Derive(folded.Graph, spec);
        if (spec.Factors.Any(f => f.Group is Noether.Symmetry.Groups.OrthogonalGroup))
            Assert.Contains(laws.Notes, n => n.Contains("skew"));
        else
            Assert.Fail($"expected an O(d) factor after folding\n{spec}");
    }
}
