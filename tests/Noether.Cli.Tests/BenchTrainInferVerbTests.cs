namespace Noether.Cli.Tests;

/// <summary><c>noether bench train</c> and <c>noether bench infer</c> through the real command line (shapes of the reports, refusals).</summary>
public class BenchTrainInferVerbTests
{
    [Fact]
    public async Task TrainJsonReportsPairedMediansAndCollectionCounts()
    {
        var doc = await CliRunner.Json("bench", "train", "--models", "mlp-784-512-512-10", "--runs", "2", "--seconds", "0.05", "--batch-size", "16", "--pytorch", "false", "--threads", "1", "2");
        Assert.Equal("train", doc.GetProperty("benchmark").GetString());
        Assert.Equal(2, doc.GetProperty("runs").GetInt32());
        Assert.Contains("--pytorch false", doc.GetProperty("pytorch_unavailable").GetString());
        var r = Assert.Single(doc.GetProperty("results").EnumerateArray());
        Assert.Equal("mlp-784-512-512-10", r.GetProperty("model").GetString());
        Assert.Equal(669_706, r.GetProperty("parameters").GetInt64());
        Assert.True(r.GetProperty("samples_per_second").GetDouble() > 0);
        Assert.Equal(2, r.GetProperty("runs").GetArrayLength());
        foreach (var g in new[] { "gen0_collections", "gen1_collections", "gen2_collections" })
            Assert.True(r.GetProperty(g).GetInt32() >= 0);
        // No PyTorch figure and no ratio without PyTorch (null members are left out of the document).
        Assert.False(r.TryGetProperty("pytorch_samples_per_second", out var torch) && torch.ValueKind != System.Text.Json.JsonValueKind.Null);
        Assert.False(r.TryGetProperty("ratio", out var ratio) && ratio.ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task InferJsonTimesOurExecutorAgainstOnnxRuntimeOnTheSameModel()
    {
        var doc = await CliRunner.Json("bench", "infer", "--batch-size", "2", "--runs", "1", "--seconds", "0.05");
        Assert.Equal("resnet20", doc.GetProperty("model").GetString());
        Assert.True(doc.GetProperty("milliseconds_per_batch").GetDouble() > 0);
        Assert.True(doc.GetProperty("onnxruntime_milliseconds_per_batch").GetDouble() > 0);
        Assert.True(doc.GetProperty("time_ratio").GetDouble() > 0);
        // Both engines ran the same weights: the logits agree.
        double scale = doc.GetProperty("max_abs_logit").GetDouble();
        Assert.True(scale > 0);
        Assert.True(doc.GetProperty("max_abs_difference").GetDouble() <= 1e-4 * Math.Max(1, scale));
    }

    [Theory]
    [InlineData("train", "--runs", "0")]
    [InlineData("train", "--seconds", "0")]
    [InlineData("infer", "--batch-size", "0")]
    [InlineData("infer", "--runs", "0")]
    public async Task OutOfRangeValuesAreOneLineErrors(string verb, string option, string value)
    {
        var (code, _, err) = await CliRunner.Run("bench", verb, option, value);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(option, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task UnknownTrainModelIsRefused()
    {
        var (code, _, err) = await CliRunner.Run("bench", "train", "--models", "vgg", "--pytorch", "false");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown benchmark model 'vgg'", err);
    }
}
