using Noether.Alignment.Provenance;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Transforms;
using Noether.Tensors;

namespace Noether.Alignment.Tests.Provenance;

/// <summary>
/// The provenance test on small Llama-shaped models: copies (identical, moved by a random element of the derived group,
/// norm-folded and rotated, pruned) give p at the floor in every layer; independent models do not.
/// </summary>
public class ProvenanceTestTests
{
    private const int T = 199;
    private static readonly ProvenanceOptions Options = new(Permutations: T, Seed: 3);

    internal static Graph Llama(int mlp = 48, int layers = 3) => ToyLlama.Build(vocab: 40, sequence: 6, model: 32, layers: layers, heads: 4, kvHeads: 2, mlp: [mlp]);

    /// <summary>Random weights, norm gains included (so that folding and the gain's rescalings matter).</summary>
    internal static Model<double> Random(Graph graph, ulong seed)
    {
        var rng = new Rng(seed);
        return new Model<double>(graph, graph.Parameters.ToDictionary(p => p.Name, p => p.Shape.Length == 1
            ? Tensor<double>.RandomUniform(rng, 0.5, 1.5, p.Shape)
            : Tensor<double>.RandomNormal(rng, 0.0, 1.0 / Math.Sqrt(p.Shape[^1]), p.Shape)));
    }

    private static ProvenanceReport Run(Model<double> a, Model<double> b, ProvenanceOptions? o = null)
        => ProvenanceTest.Weights(new ModelParameterSource<double>(a, "A"), new ModelParameterSource<double>(b, "B"), o ?? Options);

    private static void AtFloor(ProvenanceReport r, int layers)
    {
        Assert.Equal(layers, r.Layers.Count);
        Assert.All(r.Layers, l => Assert.Equal(1.0 / (T + 1), l.PValue, 12));
        Assert.All(r.Layers, l => Assert.Equal(1.0, l.Rho, 9));
        Assert.Equal(1.0 / (T + 1), r.HarmonicMean, 12);
        Assert.Equal(ProvenanceVerdict.Dependent, r.Verdict);
        Assert.Contains("1/(T+1) = 0.005", r.Summary);
    }

    [Fact]
    public void IdenticalCopyIsAtTheFloorInEveryLayer()
    {
        var a = Random(Llama(), 1);
        var r = Run(a, a.Clone());
        AtFloor(r, 3);
        Assert.All(r.Layers, l => Assert.Equal(1.0, l.Agreement));
        // Fisher of three floors: X/2 = 3 ln 200, P = 200⁻³ (1 + X/2 + (X/2)²/2).
        double h = 3 * Math.Log(200);
        Assert.Equal(Math.Pow(200, -3) * (1 + h + h * h / 2), r.Fisher, 12);
    }

    [Theory]
    [InlineData(11UL)]
    [InlineData(12UL)]
    public void CopyMovedByARandomElementOfTheDerivedGroupIsAtTheFloor(ulong seed)
    {
        var a = Random(Llama(), 2);
        var spec = SymmetryDeriver.Derive(a.Graph);
        var b = GroupAction.Apply(a, spec, spec.Random(new Rng(seed)));
        // The element really moved the stream, the hidden units and the up rows' scales.
        Assert.True(a["model.embed_tokens.weight"].MaxAbsDiff(b["model.embed_tokens.weight"]) > 0.1);
        var r = Run(a, b);
        AtFloor(r, 3);
        Assert.StartsWith("signed permutation", r.Stream);
    }

    [Fact]
    public void NormFoldedCopyRotatedByARandomOrthogonalStreamIsAtTheFloor()
    {
        var a = Random(Llama(), 3);
        var folded = NormFolding.FoldRmsNormGains(a);
        var spec = SymmetryDeriver.Derive(folded.Graph);
        var b = GroupAction.Apply(folded, spec, spec.Random(new Rng(21)));
        var r = Run(a, b);
        AtFloor(r, 3);
        Assert.StartsWith("orthogonal map", r.Stream);
    }

    [Fact]
    public void PerturbedCopyIsStillAtTheFloor()
    {
        var a = Random(Llama(), 4);
        var spec = SymmetryDeriver.Derive(a.Graph);
        var moved = GroupAction.Apply(a, spec, spec.Random(new Rng(5)));
        var rng = new Rng(6);
        // Noise of 30 % of each weight's scale: a heavy fine-tune.
        var b = moved.WithParameters(moved.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value + Tensor<double>.RandomNormal(rng, kv.Value.ShapeArray()) * (0.3 / Math.Sqrt(kv.Value.ShapeArray()[^1]))));
        var r = Run(a, b);
        Assert.All(r.Layers, l => Assert.Equal(1.0 / (T + 1), l.PValue, 12));
        Assert.Equal(ProvenanceVerdict.Dependent, r.Verdict);
    }

    [Fact]
    public void IndependentModelsAreNotAtTheFloor()
    {
        var verdicts = new List<ProvenanceVerdict>();
        for (ulong s = 0; s < 4; s++)
        {
            var r = Run(Random(Llama(), 100 + s), Random(Llama(), 200 + s));
            Assert.All(r.Layers, l => Assert.True(l.PValue > 1.0 / (T + 1), $"pair {s}, layer {l.LayerA}: p = {l.PValue}, ρ = {l.Rho}"));
            Assert.All(r.Layers, l => Assert.True(Math.Abs(l.Rho) < 0.5, $"pair {s}: ρ = {l.Rho}"));
            verdicts.Add(r.Verdict);
        }
        Assert.All(verdicts, v => Assert.Equal(ProvenanceVerdict.Independent, v));
    }

    [Fact]
    public void NarrowedCopyIsDetectedOnItsUnits()
    {
        var a = Random(Llama(48), 5);
        var keep = new Rng(9).Permutation(48).Take(30).ToArray(); // 30 of 48 units, shuffled
        var narrow = Llama(30);
        var p = new Dictionary<string, Tensor<double>>();
        foreach (var info in narrow.Parameters)
        {
            var t = a[info.Name];
            p[info.Name] = info.Name.Contains("gate_proj") || info.Name.Contains("up_proj") ? Rows(t, keep)
                : info.Name.Contains("down_proj") ? Rows(t.Transpose().Contiguous(), keep).Transpose().Contiguous() : t.Clone();
        }
        var r = Run(a, new Model<double>(narrow, p));
        AtFloor(r, 3);
        Assert.All(r.Layers, l => Assert.Equal((48, 30), (l.UnitsA, l.UnitsB)));
    }

    [Fact]
    public void CopyWithALayerRemovedIsDetectedOnTheSharedLayers()
    {
        var a = Random(Llama(layers: 4), 6);
        var shallow = Llama(layers: 3);
        // B keeps A's layers 0, 1 and 3.
        int[] source = [0, 1, 3];
        var p = shallow.Parameters.ToDictionary(info => info.Name, info =>
        {
            var name = info.Name;
            for (int k = 0; k < 3; k++) name = name.Replace($"model.layers.{k}.", $"model.layers.@{source[k]}.");
            return a[name.Replace("@", "")].Clone();
        });
        var r = Run(a, new Model<double>(shallow, p));
        Assert.Equal([(0, 0), (1, 1), (3, 2)], r.Layers.Select(l => (l.LayerA, l.LayerB)).ToArray());
        Assert.All(r.Layers, l => Assert.Equal(1.0 / (T + 1), l.RawPValue, 12));
        Assert.All(r.Layers, l => Assert.Equal(2.0 / (T + 1), l.PValue, 12)); // × 2 candidates (Bonferroni)
        Assert.Contains(r.Notes, n => n.Contains("Bonferroni"));
        Assert.Equal(ProvenanceVerdict.Dependent, r.Verdict);
    }

    [Fact]
    public void ActivationTestFindsATransformedCopyAndNotAnIndependentModel()
    {
        var a = Random(Llama(), 7);
        var folded = NormFolding.FoldRmsNormGains(a);
        var spec = SymmetryDeriver.Derive(folded.Graph);
        var b = GroupAction.Apply(folded, spec, spec.Random(new Rng(8)));
        var o = Options with { Evidence = ProvenanceEvidence.Activations, Samples = 24 };
        var copy = ProvenanceTest.Activations(a.Cast<float>(), b.Cast<float>(), o);
        Assert.All(copy.Layers, l => Assert.Equal(1.0 / (T + 1), l.PValue, 12));
        Assert.Equal(ProvenanceVerdict.Dependent, copy.Verdict);
        var other = ProvenanceTest.Activations(a.Cast<float>(), Random(Llama(), 70).Cast<float>(), o);
        Assert.All(other.Layers, l => Assert.True(l.PValue > 1.0 / (T + 1), $"layer {l.LayerA}: p = {l.PValue}"));
    }

    [Fact]
    public void TooFewPermutationsMakeTheVerdictInconclusive()
    {
        var a = Random(Llama(), 8);
        var r = Run(a, a, Options with { Permutations = 50 });
        Assert.Equal(ProvenanceVerdict.Inconclusive, r.Verdict);
        Assert.Contains("raise --permutations", r.Summary);
    }

    [Fact]
    public void BadInputIsRefusedNamingTheModel()
    {
        var llama = Random(Llama(), 9);
        var b = new GraphBuilder("linear");
        var noMlp = Model<double>.Initialize(b.Build(b.Linear(b.Input("x", 6, 40), 3, "only")), new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => Run(llama, noMlp));
        Assert.Contains("B: no MLP found", e.Message);
        var wide = Random(ToyLlama.Build(40, 6, 64, 3, 4, 2, [48]), 1);
        e = Assert.Throws<ArgumentException>(() => Run(llama, wide));
        Assert.Contains("width 32", e.Message);
        Assert.Contains("[48, 64]", e.Message);
        var plain = Random(Builders.Transformer(6, 40, 5, model: 32, heads: 4, kvHeads: 4, layers: 2), 1);
        e = Assert.Throws<ArgumentException>(() => Run(llama, plain));
        Assert.Contains("gated MLPs but B has plain", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(llama, llama, Options with { Permutations = 0 }));
    }

    [Fact]
    public void PlainMlpTransformerCopyIsAtTheFloorAndIndependentIsNot()
    {
        Graph Net() => Builders.Transformer(6, 10, 5, model: 32, heads: 4, kvHeads: 4, layers: 2, mlpRatio: 2, activation: Noether.Nn.Operations.Activation.Relu);
        var a = Random(Net(), 10);
        var spec = SymmetryDeriver.Derive(a.Graph);
        var b = GroupAction.Apply(a, spec, spec.Random(new Rng(4)));
        var r = Run(a, b);
        Assert.All(r.Layers, l => Assert.Equal("in/out", l.Views));
        AtFloor(r, 2);
        var other = Run(a, Random(Net(), 11));
        Assert.All(other.Layers, l => Assert.True(l.PValue > 1.0 / (T + 1), $"p = {l.PValue}"));
    }

    private static Tensor<double> Rows(Tensor<double> t, int[] rows)
    {
        int w = t.Dim(1);
        var data = new double[rows.Length * w];
        var span = t.Contiguous().Span;
        for (int i = 0; i < rows.Length; i++) span.Slice(rows[i] * w, w).CopyTo(data.AsSpan(i * w, w));
        return Tensor<double>.FromArray(data, rows.Length, w);
    }
}
