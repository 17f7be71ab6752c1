using Noether.IO;
using Noether.IO.Tests;
using Noether.Nn;
using Noether.Nn.Architectures;
using Noether.Symmetry.Actions;
using Noether.Symmetry.Derivation;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary><c>similarity</c> (and the other representation verbs) on model files.</summary>
public sealed class RepresentationVerbTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private string Save(string name, Model<double> model)
    {
        var path = _dir.File(name);
        ModelFiles.Save(model, path);
        return path;
    }

    /// <summary>An MLP on digits (64 inputs), and a copy moved by a random element of its derived group (P·D per layer).</summary>
    private (string A, string Moved, string Other) Models()
    {
        var graph = Builders.Mlp(64, [12, 10], 10);
        var a = Model<double>.Initialize(graph, new Rng(1));
        var spec = SymmetryDeriver.Derive(graph);
        var moved = GroupAction.Apply(a, spec, spec.Random(new Rng(2)));
        return (Save("a.safetensors", a), Save("moved.safetensors", moved), Save("other.safetensors", Model<double>.Initialize(graph, new Rng(3))));
    }

    [Fact]
    public async Task SimilarityGivesOneRecordPerLayerPairAndSeesThroughTheGroup()
    {
        var (a, moved, _) = Models();
        var doc = await CliRunner.Json("similarity", a, moved, "--data", "digits", "--samples", "200");
        var pairs = doc.GetProperty("pairs").EnumerateArray().ToArray();
        Assert.Equal(4, pairs.Length); // layers.1 and layers.3 of each model
        foreach (var p in pairs)
        {
            Assert.Equal("grelu-procrustes", p.GetProperty("measure").GetString());
            if (p.GetProperty("layer_a").GetString() == p.GetProperty("layer_b").GetString())
                Assert.True(Math.Abs(p.GetProperty("value").GetDouble() - 1) < 1e-6, p.ToString());
        }
        var orth = await CliRunner.Json("similarity", a, moved, "--data", "digits", "--samples", "200", "--measure", "procrustes", "--layers", "layers.1");
        var only = Assert.Single(orth.GetProperty("pairs").EnumerateArray());
        Assert.Equal("layers.1", only.GetProperty("layer_a").GetString());
        Assert.True(only.GetProperty("value").GetDouble() < 0.99, only.ToString());
    }

    [Fact]
    public async Task SimilarityWritesTheTableAndTheHeatMap()
    {
        var (a, _, other) = Models();
        var outDir = _dir.File("sim");
        var (code, output, err) = await CliRunner.Run("similarity", a, other, "--data", "digits", "--samples", "100", "--measure", "cka-debiased", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("layers.3", output);
        foreach (var f in new[] { "similarity.csv", "similarity_heatmap.svg", "similarity_heatmap.png", "similarity_heatmap.csv" })
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
        var rows = File.ReadAllLines(Path.Combine(outDir, "similarity.csv"));
        Assert.Equal("layer_a,layer_b,measure,value,pooled", rows[0]);
        Assert.Equal(5, rows.Length);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(outDir, "similarity_heatmap.csv")).Length);
    }

    [Fact]
    public async Task UnknownLayersAndMismatchedModelsExitTwoNamingBoth()
    {
        var (a, _, _) = Models();
        var (code, _, err) = await CliRunner.Run("similarity", a, a, "--data", "digits", "--layers", "layers.9");
        Assert.Equal(2, code);
        Assert.Contains("'layers.9'", err);
        Assert.Contains("a.safetensors", err);
        Assert.Single(err.Trim().Split('\n'));
        var narrow = Save("narrow.safetensors", Model<double>.Initialize(Builders.Mlp(32, [12], 10), new Rng(1)));
        (code, _, err) = await CliRunner.Run("similarity", a, narrow, "--data", "digits");
        Assert.Equal(2, code);
        Assert.Contains("a.safetensors and ", err);
        Assert.Contains("narrow.safetensors", err);
        Assert.Contains("[64]", err);
        Assert.Contains("[32]", err);
    }

    [Fact]
    public async Task ACancelledSimilarityWritesNothing()
    {
        var (a, moved, _) = Models();
        var outDir = _dir.File("cancelled");
        var stdout = new StringWriter(); var stderr = new StringWriter();
        int code = await NoetherApp.RunAsync(["similarity", a, moved, "--data", "digits", "--out", outDir], stdout, stderr, new CancellationToken(true));
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFiles(outDir).Any());
    }

    [Fact]
    public async Task StitchReportsAccuracyAndPenaltyPerClassAndNamesBadCuts()
    {
        var (a, _, other) = Models();
        var doc = await CliRunner.Json("stitch", a, a, "--layer", "layers.1", "--class", "perm,grelu", "--identity-init", "--data", "digits", "--train-samples", "64");
        var results = doc.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["perm", "grelu"], results.Select(r => r.GetProperty("class").GetString()));
        foreach (var r in results) Assert.True(Math.Abs(r.GetProperty("penalty").GetDouble()) <= 0.001, r.ToString());
        var (code, _, err) = await CliRunner.Run("stitch", a, other, "--layer", "layers.8", "--class", "affine", "--data", "digits");
        Assert.Equal(2, code);
        Assert.Contains("'layers.8'", err);
        (code, _, err) = await CliRunner.Run("stitch", a, other, "--layer", "layers.1", "--class", "lowrank:x", "--data", "digits");
        Assert.Equal(2, code);
        Assert.Contains("lowrank:x", err);
    }

    [Fact]
    public async Task BasisWritesTheTableAndPlotAndKeepsTheFunction()
    {
        var (a, _, _) = Models();
        var outDir = _dir.File("basis");
        var doc = await CliRunner.Json("basis", a, "--layer", "layers.1", "--data", "digits", "--samples", "100", "--steps", "3", "--out", outDir);
        var steps = doc.GetProperty("steps").EnumerateArray().ToArray();
        Assert.Equal([0.0, 0.5, 1.0], steps.Select(s => s.GetProperty("t").GetDouble()));
        Assert.All(steps, s => Assert.True(s.GetProperty("max_output_change").GetDouble() < 1e-9, s.ToString()));
        foreach (var f in new[] { "basis.csv", "basis_selectivity.svg", "basis_selectivity.png", "basis_selectivity.csv" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var (code, _, err) = await CliRunner.Run("basis", a, "--layer", "nope", "--data", "digits");
        Assert.Equal(2, code);
        Assert.Contains("'nope'", err);
        Assert.Contains("layers.1", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task StitchSummaryAveragesPenaltiesOverPairs()
    {
        var (a, moved, other) = Models();
        var runs = new List<string>();
        foreach (var (b, name) in new[] { (moved, "1.json"), (other, "2.json") })
        {
            var (code, output, err) = await CliRunner.Run("stitch", a, b, "--layer", "layers.1", "--class", "affine,grelu", "--data", "digits",
                "--train-samples", "64", "--test-samples", "50", "--json");
            Assert.True(code == 0, err);
            runs.Add(_dir.File(name));
            File.WriteAllText(runs[^1], output);
        }
        var outDir = _dir.File("summary");
        var doc = await CliRunner.Json(["stitch-summary", .. runs, "--out", outDir]);
        var rows = doc.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(["affine", "grelu"], rows.Select(r => r.GetProperty("class").GetString()));
        Assert.All(rows, r => Assert.Equal(2, r.GetProperty("pairs").GetInt32()));
        Assert.Contains("| layers.1 (2) |", File.ReadAllText(Path.Combine(outDir, "stitch_penalty.md")));
        Assert.True(File.Exists(Path.Combine(outDir, "stitch_penalty_plot.png")));
        File.WriteAllText(_dir.File("bad.json"), "{}");
        var (bad, _, message) = await CliRunner.Run("stitch-summary", _dir.File("bad.json"), "--out", _dir.File("s2"));
        Assert.Equal(2, bad);
        Assert.Contains("bad.json", message);
    }
}
