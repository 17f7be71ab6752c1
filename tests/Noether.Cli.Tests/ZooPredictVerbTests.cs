namespace Noether.Cli.Tests;

public sealed class ZooPredictVerbTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-zoo-tests", Guid.NewGuid().ToString("N"));
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

    [Fact]
    public async Task PredictsAccuracyFromAGeneratedZoo()
    {
        await CliRunner.Json("zoo", "generate", "--count", "16", "--max-epochs", "3", "--seed", "4", "--out", _dir);
        var stats = await CliRunner.Json("zoo", "predict", _dir, "--model", "stats", "--test-fraction", "0.25");
        Assert.Equal("stats", stats.GetProperty("method").GetString());
        Assert.Equal(4, stats.GetProperty("test_models").GetInt32());
        Assert.Equal(12, stats.GetProperty("train_models").GetInt32());
        double tau = stats.GetProperty("kendall_tau").GetDouble();
        Assert.InRange(tau, -1, 1);
        string csv = Path.Combine(_dir, "pred.csv");
        var nfn = await CliRunner.Json("zoo", "predict", _dir, "--model", "nfn", "--epochs", "2", "--out", csv);
        Assert.True(nfn.GetProperty("metanetwork_parameters").GetInt64() > 0);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("model,actual,predicted", lines[0]);
        Assert.Equal(5, lines.Length);
        // Augmentation is for the flat MLP only; a missing index is a one-line error.
        var (code, _, err) = await CliRunner.Run("zoo", "predict", _dir, "--model", "nfn", "--augment");
        Assert.Equal(2, code);
        Assert.Contains("augment", err);
        var (code2, _, err2) = await CliRunner.Run("zoo", "predict", Path.Combine(_dir, "models"), "--model", "stats");
        Assert.Equal(2, code2);
        Assert.Contains("index.json", err2);
    }
}
