using System.Security.Cryptography;
using Noether.IO;
using Noether.Nn;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Groups;
using Noether.Tensors;

namespace Noether.Symmetry.Tests;

/// <summary>
/// The streaming group action (parameters promoted to float64 one at a time, monomial elements applied in place) and
/// the in-place variants used by the CLI give bit-for-bit the results of the straightforward algorithm: every touched
/// parameter copied to float64 up front and transformed binding by binding with the copying
/// <see cref="GroupAction.ApplyToAxis"/>, rounded to the model's precision once at the end.
/// </summary>
public class InPlaceActionTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "mlp", "relu" }, { "mlp", "abs" }, { "mlp", "tanh" }, { "mlp-batchnorm", "tanh" }, { "mlp-layernorm", "relu" },
        { "cnn", "relu" }, { "resnet20", "relu" }, { "transformer", "gelu" }, { "transformer-rms-gqa", "silu" },
    };

    /// <summary>The slow reference: the whole touched parameter set in float64, copying action per binding.</summary>
    private static Dictionary<string, Tensor<double>> Reference(Model<double> model, WeightSpaceSpec spec, ProductElement g)
    {
        var work = new Dictionary<string, Tensor<double>>();
        Tensor<double> Get(string n) => work.TryGetValue(n, out var t) ? t : work[n] = model[n].Clone();
        for (int i = 0; i < spec.Factors.Count; i++)
        {
            var f = spec.Factors[i];
            Assert.Empty(f.AffineShifts); // the reference has no bias shifts; these families derive none
            foreach (var b in f.Bindings)
                work[b.Parameter] = GroupAction.ApplyToAxis(Get(b.Parameter), b, f.SegmentElement(g.Factors[i], b.Segment),
                    b.ReferenceSegment is int r ? f.SegmentElement(g.Factors[i], r) : null);
        }
        return work;
    }

    private static void AssertBitsEqual<T>(Tensor<T> expected, Tensor<T> actual, string what) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.Contiguous().Span);
        var b = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.Contiguous().Span);
        Assert.True(a.SequenceEqual(b), $"{what}: values differ in their bits (max |Δ| = {expected.MaxAbsDiff(actual)})");
    }

    [Theory, MemberData(nameof(Cases))]
    public void ApplyAndApplyInPlaceEqualTheReferenceBitForBit(string family, string activation)
    {
        var graph = Models.Build(family, activation);
        var spec = SymmetryDeriver.Derive(graph);
        var model = Models.Randomised(graph, 21);
        var g = spec.Random(new Rng(22));
        var expected = Reference(model, spec, g);

        var applied = GroupAction.Apply(model, spec, g);
        var inPlace = model.Clone();
        double change = GroupAction.ApplyInPlace(inPlace, spec, g);
        double expectedChange = 0;
        foreach (var (name, before) in model.Parameters)
        {
            var want = expected.TryGetValue(name, out var t) ? t : before;
            AssertBitsEqual(want, applied[name], $"{family}/{activation} Apply {name}");
            AssertBitsEqual(want, inPlace[name], $"{family}/{activation} ApplyInPlace {name}");
            expectedChange = Math.Max(expectedChange, before.MaxAbsDiff(want));
        }
        Assert.Equal(expectedChange, change);
        Assert.True(change > 0, "the random element moved nothing");

        // float32: float64 arithmetic per tensor, one rounding at the end, as a float64 transform saved as float32.
        var single = model.Cast<float>();
        var expected32 = Reference(single.Cast<double>(), spec, g);
        var moved32 = single.Clone();
        GroupAction.ApplyInPlace(moved32, spec, g);
        foreach (var (name, before) in single.Parameters)
            AssertBitsEqual(expected32.TryGetValue(name, out var t) ? t.Cast<float>() : before, moved32[name], $"{family}/{activation} float32 {name}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void CanonicalizeInPlaceEqualsCanonicalizeAndLeavesTheInputOfTheCopyingOverloadAlone(string family, string activation)
    {
        var graph = Models.Build(family, activation);
        var spec = SymmetryDeriver.Derive(graph);
        var model = Models.Randomised(graph, 31);
        var before = model.Clone();
        var (canon, steps) = Canonicalizer.Canonicalize(model, spec);
        foreach (var (name, t) in before.Parameters)
        {
            AssertBitsEqual(t, model[name], $"{family}/{activation}: Canonicalize changed its input {name}");
            Assert.False(ReferenceEquals(canon[name], model[name]), $"{name} is shared with the input");
        }
        var inPlace = model.Clone();
        var steps2 = Canonicalizer.CanonicalizeInPlace(inPlace, spec);
        Assert.Equal(steps, steps2);
        foreach (var name in model.Parameters.Keys) AssertBitsEqual(canon[name], inPlace[name], $"{family}/{activation} {name}");

        var single = model.Cast<float>();
        var (canon32, _) = Canonicalizer.Canonicalize(single.Cast<double>(), spec);
        Canonicalizer.CanonicalizeInPlace(single, spec);
        foreach (var name in model.Parameters.Keys) AssertBitsEqual(canon32[name].Cast<float>(), single[name], $"{family}/{activation} float32 {name}");
    }

    [Fact]
    public void InPlaceOnAMappedFileChangesMemoryOnlyAndMatchesACopiedLoad()
    {
        using var dir = new Noether.IO.Tests.TempDir();
        var graph = Models.Build("mlp", "relu");
        var spec = SymmetryDeriver.Derive(graph);
        string path = dir.File("m.safetensors");
        ModelFiles.Save(Models.Randomised(graph, 41).Cast<float>(), path);
        var hash = SHA256.HashData(File.ReadAllBytes(path));
        var g = spec.Random(new Rng(42));

        var copied = ModelFiles.Load<float>(path);
        GroupAction.ApplyInPlace(copied, spec, g);
        var mapped = ModelFiles.LoadMapped<float>(path);
        GroupAction.ApplyInPlace(mapped, spec, g);
        foreach (var name in copied.Parameters.Keys) AssertBitsEqual(copied[name], mapped[name], name);
        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.False(copied.Parameters.Values.First().Span.SequenceEqual(ModelFiles.Load<float>(path).Parameters.Values.First().Span));
    }

    [Fact]
    public void TiedParametersAreRefusedInPlace()
    {
        var b = new GraphBuilder("tied");
        var x = b.Activation(b.Linear(b.Input("x", 4), 4, "a"), Noether.Nn.Operations.Activation.Relu, "r");
        var graph = b.Build(b.Linear(x, 4, "c"));
        var shared = Tensor<double>.RandomNormal(new Rng(1), [4, 4]);
        var model = new Model<double>(graph, new Dictionary<string, Tensor<double>>
        {
            ["a.weight"] = shared, ["a.bias"] = Tensor<double>.RandomNormal(new Rng(2), [4]),
            ["c.weight"] = shared, ["c.bias"] = Tensor<double>.RandomNormal(new Rng(3), [4]),
        });
        var spec = SymmetryDeriver.Derive(graph);
        var e = Assert.Throws<InvalidOperationException>(() => GroupAction.ApplyInPlace(model, spec, spec.Random(new Rng(4))));
        Assert.Contains("share storage", e.Message);
    }
}
