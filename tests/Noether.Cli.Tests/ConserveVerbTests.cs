using Noether.IO;
using Noether.IO.Numpy;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary><c>noether conserve</c>: drift per family as JSON and CSV; empty table without symmetry; named divergence.</summary>
public class ConserveVerbTests
{
    [Fact]
    public async Task SgdConservesEveryFamilyAndReportsJson()
    {
        var dir = CliRunner.TempFile("");
        var doc = await CliRunner.Json("conserve", "mlp", "--steps", "40", "--width", "16", "--out", dir);
        var families = doc.GetProperty("families").EnumerateArray().ToArray();
        Assert.Contains(families, f => f.GetProperty("kind").GetString() == "rescaling");
        Assert.Contains(families, f => f.GetProperty("kind").GetString() == "softmax translation");
        Assert.Contains(families, f => f.GetProperty("kind").GetString() == "constant input");
        foreach (var f in families)
        {
            foreach (var key in new[] { "family", "count", "max_abs_drift", "max_rel_drift", "initial_loss", "final_loss" }) Assert.True(f.TryGetProperty(key, out _), key);
            // Plain SGD: quadratic laws drift by η²·ΣQ(g) exactly as the closed form says; linear ones not at all.
            Assert.True(f.GetProperty("closed_form_error").GetDouble() < 1e-9, f.ToString());
            if (f.GetProperty("kind").GetString() != "rescaling") Assert.True(f.GetProperty("max_rel_drift").GetDouble() < 1e-12, f.ToString());
        }
        Assert.True(doc.GetProperty("final_loss").GetDouble() < doc.GetProperty("initial_loss").GetDouble());
        Assert.True(File.Exists(Path.Combine(dir, "families.csv")));
        var lines = File.ReadAllLines(Path.Combine(dir, "trajectory.csv"));
        Assert.Equal(41 + 1, lines.Length); // header + 41 records
        // The drift plot keeps its text as text: the axis labels are found in the SVG's <text> elements.
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(dir, "drift.svg"));
        var texts = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToArray();
        Assert.Contains("step", texts);
        Assert.Contains("max |Q(t) − Q(0)| / scale", texts);
        Assert.Contains(texts, t => t.Contains("Drift of conserved quantities"));
        Assert.True(File.Exists(Path.Combine(dir, "drift.png")) && File.Exists(Path.Combine(dir, "drift.csv")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task AdamBreaksTheLawsAndSaysSo()
    {
        var dir = CliRunner.TempFile("");
        var doc = await CliRunner.Json("conserve", "mlp", "--steps", "40", "--width", "16", "--optimizer", "adam", "--out", dir);
        var rescaling = doc.GetProperty("families").EnumerateArray().First(f => f.GetProperty("kind").GetString() == "rescaling");
        Assert.True(rescaling.GetProperty("max_rel_drift").GetDouble() > 1e-3);
        Assert.False(rescaling.TryGetProperty("closed_form_error", out _));
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task AModelWithoutContinuousSymmetryGivesAnEmptyTable()
    {
        // tanh hidden units (sign flips and permutations only), tanh outputs (no softmax translation), no constant input.
        var b = new GraphBuilder("tanh_net");
        var x = b.Activation(b.Linear(b.Input("input", 4), 5, "fc1"), Activation.Tanh, "act1");
        var graph = b.Build(b.Activation(b.Linear(x, 3, "fc2"), Activation.Tanh, "act2"));
        var modelPath = CliRunner.TempFile(".safetensors");
        ModelFiles.Save(Model<double>.Initialize(graph, new Rng(1)), modelPath);
        var dataPath = CliRunner.TempFile(".npz");
        var rng = new Rng(2);
        var xs = Tensor<double>.RandomNormal(rng, 30, 4);
        var ys = Tensor<double>.FromArray(Enumerable.Range(0, 30).Select(i => (double)(i % 3)).ToArray(), 30);
        Npz.Write(dataPath, new Dictionary<string, Tensor<double>> { ["x"] = xs, ["y"] = ys });
        var dir = CliRunner.TempFile("");
        var doc = await CliRunner.Json("conserve", modelPath, "--data", dataPath, "--steps", "5", "--batch-size", "10", "--out", dir);
        Assert.Empty(doc.GetProperty("families").EnumerateArray());
        Assert.Equal(0, doc.GetProperty("quantities").GetInt32());
        // The folder now holds the first run's files: a second run needs --overwrite.
        var (code, _, err) = await CliRunner.Run("conserve", modelPath, "--data", dataPath, "--steps", "5", "--batch-size", "10", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("--overwrite", err);
        (code, _, _) = await CliRunner.Run("conserve", modelPath, "--data", dataPath, "--steps", "5", "--batch-size", "10", "--out", dir, "--overwrite");
        Assert.Equal(0, code);
        File.Delete(modelPath); File.Delete(dataPath); Directory.Delete(dir, true);
    }

    [Fact]
    public async Task ANonFiniteLossNamesTheStepAndParameter()
    {
        var dir = CliRunner.TempFile("");
        var (code, _, err) = await CliRunner.Run("conserve", "mlp", "--steps", "300", "--lr", "5", "--activation", "identity", "--width", "16", "--out", dir, "--json");
        Assert.NotEqual(0, code);
        Assert.Contains("step", err);
        Assert.Contains("parameter 'layers.", err);
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    [Fact]
    public async Task BadArgumentsAreOneLineErrors()
    {
        var (code, _, err) = await CliRunner.Run("conserve", "no-such-model", "--steps", "3");
        Assert.Equal(2, code);
        Assert.Contains("no-such-model", err);
        (code, _, err) = await CliRunner.Run("conserve", "mlp", "--optimizer", "rmsprop");
        Assert.Equal(2, code);
        Assert.Contains("rmsprop", err);
    }
}
