using System.Globalization;

namespace Noether.Cli.Tests;

/// <summary><c>noether teleport</c> through the real command line.</summary>
public sealed class TeleportVerbTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "noether-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public async Task ReferenceSettingWritesCurvesPerSeedAndASummaryWhereTeleportBeatsGd()
    {
        var doc = await CliRunner.Json("teleport", "--epochs", "30", "--seeds", "3", "--out", _dir);
        var seeds = doc.GetProperty("seeds");
        Assert.Equal(3, seeds.GetArrayLength());
        foreach (var s in seeds.EnumerateArray())
        {
            Assert.True(s.GetProperty("relative_loss_change").GetDouble() <= 1e-6);
            Assert.True(s.GetProperty("grad_norm_after").GetDouble() > s.GetProperty("grad_norm_before").GetDouble());
            Assert.True(s.GetProperty("final_loss_teleport").GetDouble() < s.GetProperty("final_loss_gd").GetDouble());
            Assert.True(s.GetProperty("below_gd_after_teleport").GetBoolean());
        }
        Assert.True(doc.GetProperty("all_below_gd").GetBoolean());
        Assert.Equal(2, doc.GetProperty("pairs").GetArrayLength());
        for (int seed = 0; seed < 3; seed++)
        {
            var lines = File.ReadAllLines(Path.Combine(_dir, $"seed_{seed}.csv"));
            Assert.Equal("epoch,loss_gd,loss_teleport,grad_norm_gd,grad_norm_teleport", lines[0]);
            Assert.Equal(31, lines.Length);
            var row = lines[10].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(row[2] < row[1]);   // after the teleport at epoch 5 the loss is below GD's…
            var first = lines[1].Split(',');
            Assert.Equal(first[1], first[2]); // …and identical before it
        }
        var summary = File.ReadAllLines(Path.Combine(_dir, "summary.csv"));
        Assert.Equal(4, summary.Length);
        Assert.StartsWith("seed,loss_before,loss_after", summary[0]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task UnguardedAscentIsReportedAsDivergenceNotAsACrash()
    {
        var doc = await CliRunner.Json("teleport", "--epochs", "30", "--seeds", "1", "--unguarded");
        var s = doc.GetProperty("seeds")[0];
        Assert.False(doc.GetProperty("guarded").GetBoolean());
        Assert.True(s.GetProperty("diverged_at").GetInt32() > 5);
        Assert.False(s.GetProperty("below_gd_after_teleport").GetBoolean());
    }

    [Theory]
    [InlineData("--slope", "0", "slope must be positive")]
    [InlineData("--teleport-at", "40", "outside [0, 30)")]
    [InlineData("--sizes", "4", "need at least")]
    [InlineData("--loss", "huber", "Unknown regression loss")]
    public async Task BadSettingsAreOneLineInputErrors(string option, string value, string message)
    {
        var (code, _, err) = await CliRunner.Run("teleport", "--epochs", "30", option, value);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task ABatchLargerThanTheInputWidthIsRefusedNamingTheShape()
    {
        var (code, _, err) = await CliRunner.Run("teleport", "--sizes", "9", "5", "6", "3", "--epochs", "10", "--seeds", "1");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("[9, 5]", err);
    }
}
