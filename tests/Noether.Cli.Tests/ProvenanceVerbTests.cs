using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Symmetry.Transforms;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary><c>noether provenance A B</c> on model files: copies at the floor, independent models not, bad input refused.</summary>
public class ProvenanceVerbTests
{
    private static Graph Llama() => ToyLlama.Build(vocab: 40, sequence: 6, model: 32, layers: 2, heads: 4, kvHeads: 2, mlp: [48]);

    private static string Save(Model<double> model)
    {
        var path = CliRunner.TempFile(".safetensors");
        ModelFiles.Save(model.Cast<float>(), path);
        return path;
    }

    [Fact]
    public async Task TransformedCopyIsAtTheFloorAndIndependentModelIsNot()
    {
        var ma = Model<double>.Initialize(Llama(), new Rng(1));
        var folded = NormFolding.FoldRmsNormGains(ma);
        var spec = SymmetryDeriver.Derive(folded.Graph);
        var (a, copy, other) = (Save(ma), Save(GroupAction.Apply(folded, spec, spec.Random(new Rng(2)))), Save(Model<double>.Initialize(Llama(), new Rng(3))));
        foreach (var test in new[] { "weights", "activations" })
        {
            var doc = await CliRunner.Json("provenance", a, copy, "--test", test, "--permutations", "199", "--samples", "16");
            Assert.Equal("dependent", doc.GetProperty("verdict").GetString());
            Assert.Equal(0.005, doc.GetProperty("floor").GetDouble(), 12);
            Assert.Equal(0.005, doc.GetProperty("harmonic_mean_p").GetDouble(), 12);
            Assert.Equal(2, doc.GetProperty("layers").GetArrayLength());
            foreach (var l in doc.GetProperty("layers").EnumerateArray()) Assert.Equal(0.005, l.GetProperty("p_value").GetDouble(), 12);
            var independent = await CliRunner.Json("provenance", a, other, "--test", test, "--permutations", "199", "--samples", "16");
            Assert.Equal("independent", independent.GetProperty("verdict").GetString());
            foreach (var l in independent.GetProperty("layers").EnumerateArray()) Assert.True(l.GetProperty("p_value").GetDouble() > 0.005);
        }
        var (code, text, _) = await CliRunner.Run("provenance", a, copy, "--permutations", "49");
        Assert.Equal(0, code);
        Assert.Contains("Fisher p", text);
        Assert.True(text.Contains("inconclusive"), text); // floor 0.02 cannot go below α = 0.01
        foreach (var f in new[] { a, copy, other }) File.Delete(f);
    }

    [Fact]
    public async Task BadInputGetsOneLineAndExitTwo()
    {
        var a = Save(Model<double>.Initialize(Llama(), new Rng(1)));
        var noMlp = Save(Model<double>.Initialize(Builders.Mlp(5, [], 3), new Rng(1)));
        var wide = Save(Model<double>.Initialize(ToyLlama.Build(40, 6, 64, 2, 4, 2, [48]), new Rng(1)));
        var missing = CliRunner.TempFile(".safetensors");
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["provenance", a, missing], Path.GetFileName(missing)),
            (["provenance", a, noMlp], "no MLP found"),
            (["provenance", a, wide], "width 32"),
            (["provenance", a, a, "--permutations", "0"], "--permutations"),
            (["provenance", a, a, "--test", "gradients"], "--test"),
        })
        {
            var (code, _, err) = await CliRunner.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Single(err.Trim().Split('\n'));
        }
        foreach (var f in new[] { a, noMlp, wide }) File.Delete(f);
    }
}
