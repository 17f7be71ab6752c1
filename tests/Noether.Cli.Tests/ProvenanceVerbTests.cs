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

    private static string Hf(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Noether.slnx"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "tests", "Noether.IO.Tests", "data", "hf", name);
    }

    [Fact]
    public async Task HuggingFaceFoldersAreReadOneTensorAtATime()
    {
        var llama = Hf("llama3-gqa");
        var moved = Path.Combine(Directory.CreateTempSubdirectory("noether-prov-").FullName, "moved");
        try
        {
            var (code, _, err) = await CliRunner.Run("transform", llama, "--random", "--seed", "5", "--out", moved);
            Assert.True(code == 0, err);
            var copy = await CliRunner.Json("provenance", llama, moved, "--permutations", "199");
            Assert.Equal("dependent", copy.GetProperty("verdict").GetString());
            foreach (var l in copy.GetProperty("layers").EnumerateArray()) Assert.Equal(0.005, l.GetProperty("p_value").GetDouble(), 12);
            Assert.StartsWith("signed permutation", copy.GetProperty("stream").GetString());
            // An independent checkpoint of the same layout: every weight drawn afresh, written as a Hugging Face folder.
            var source = Noether.IO.HuggingFace.HuggingFaceCheckpoint.Load<double>(llama);
            var rng = new Rng(77);
            var fresh = source.WithParameters(source.Parameters.ToDictionary(kv => kv.Key, kv => Tensor<double>.RandomNormal(rng, kv.Value.ShapeArray()) * 0.2));
            var other = Path.Combine(Path.GetDirectoryName(moved)!, "other");
            Noether.IO.HuggingFace.HuggingFaceCheckpoint.Save(fresh, llama, other);
            var independent = await CliRunner.Json("provenance", llama, other, "--permutations", "199");
            Assert.Equal("independent", independent.GetProperty("verdict").GetString());
            foreach (var l in independent.GetProperty("layers").EnumerateArray()) Assert.True(l.GetProperty("p_value").GetDouble() > 0.005);
            // The bf16, sharded Mistral checkpoint of the same shape reads too (its weights come from another seed).
            var mistral = await CliRunner.Json("provenance", llama, Hf("mistral-bf16-sharded"), "--permutations", "199");
            Assert.Equal(2, mistral.GetProperty("layers").GetArrayLength());
            // A missing shard: one line naming the file, exit 2.
            var broken = Path.Combine(Path.GetDirectoryName(moved)!, "broken");
            Directory.CreateDirectory(broken);
            foreach (var f in Directory.EnumerateFiles(Hf("mistral-bf16-sharded"))) File.Copy(f, Path.Combine(broken, Path.GetFileName(f)));
            File.Delete(Path.Combine(broken, "model-00002-of-00003.safetensors"));
            var (c2, _, e2) = await CliRunner.Run("provenance", llama, broken);
            Assert.Equal(2, c2);
            Assert.Contains("model-00002-of-00003.safetensors", e2);
            Assert.Single(e2.Trim().Split('\n'));
        }
        finally { Directory.Delete(Path.GetDirectoryName(moved)!, recursive: true); }
    }
}
