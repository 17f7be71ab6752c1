using Noether.IO;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary><c>align</c>, <c>merge</c>, <c>barrier</c>, <c>evaluate</c> on model files.</summary>
public class AlignmentVerbTests
{
    private static string Save(Graph graph, ulong seed, out Model<double> model)
    {
        var path = CliRunner.TempFile(".safetensors");
        model = Model<double>.Initialize(graph, new Rng(seed));
        ModelFiles.Save(model, path);
        return path;
    }

    [Fact]
    public async Task AlignUndoesAPermutationAndKeepsTheFunction()
    {
        var graph = Builders.Mlp(64, [16, 12], 10);
        var a = Save(graph, 1, out var ma);
        var spec = SymmetryDeriver.Derive(graph);
        var moved = GroupAction.Apply(ma, spec, spec.Random(new Rng(3)));
        var b = CliRunner.TempFile(".safetensors");
        ModelFiles.Save(moved, b);
        var output = CliRunner.TempFile(".safetensors");
        var doc = await CliRunner.Json("align", a, b, "--out", output);
        Assert.True(doc.GetProperty("distance_after").GetDouble() < 1e-9);
        Assert.True(doc.GetProperty("distance_before").GetDouble() > 0.1);
        var aligned = ModelFiles.Load<double>(output);
        foreach (var (name, p) in ma.Parameters) Assert.True(p.MaxAbsDiff(aligned[name]) < 1e-9, name);
        var barrier = await CliRunner.Json("barrier", a, output, "--data", "digits", "--points", "5");
        Assert.True(Math.Abs(barrier.GetProperty("barrier_loss").GetDouble()) < 1e-9); // the same model at both ends
        Assert.Equal(5, barrier.GetProperty("curve").GetArrayLength());
        foreach (var f in new[] { a, b, output }) File.Delete(f);
    }

    [Fact]
    public async Task MismatchedArchitecturesNameTheParameterAndWriteNothing()
    {
        var a = Save(Builders.Mlp(64, [16, 12], 10), 1, out _);
        var b = Save(Builders.Mlp(64, [16, 14], 10), 2, out _);
        foreach (var verb in new[] { new[] { "align", a, b }, ["merge", a, b], ["merge", a, a, b] })
        {
            var output = CliRunner.TempFile(".safetensors");
            var (code, _, err) = await CliRunner.Run([.. verb, "--out", output]);
            Assert.Equal(2, code);
            Assert.Contains("layers.2.weight", err);
            Assert.Contains("[12, 16]", err);
            Assert.Contains("[14, 16]", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.False(File.Exists(output), $"{verb[0]} wrote {output} despite the error");
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, Path.GetFileName(output) + "*"));
        }
        var (c2, _, e2) = await CliRunner.Run("barrier", a, b, "--data", "digits");
        Assert.Equal(2, c2);
        Assert.Contains("layers.2.weight", e2);
        File.Delete(a); File.Delete(b);
    }

    [Fact]
    public async Task MergeAveragesAndEvaluateReports()
    {
        var graph = Builders.Mlp(64, [8], 10);
        var a = Save(graph, 1, out var ma);
        var b = Save(graph, 2, out var mb);
        var output = CliRunner.TempFile(".safetensors");
        await CliRunner.Json("merge", a, b, "--alpha", "0.25", "--out", output);
        var merged = ModelFiles.Load<double>(output);
        var expected = ma["layers.0.weight"] * 0.75 + mb["layers.0.weight"] * 0.25;
        Assert.True(merged["layers.0.weight"].MaxAbsDiff(expected) < 1e-12);
        var eval = await CliRunner.Json("evaluate", output, "--data", "digits");
        Assert.InRange(eval.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.Equal(360, eval.GetProperty("samples").GetInt32());
        foreach (var f in new[] { a, b, output }) File.Delete(f);
    }
}
