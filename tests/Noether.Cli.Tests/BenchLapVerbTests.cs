using Noether.Alignment;
using Noether.IO;

namespace Noether.Cli.Tests;

/// <summary><c>noether bench lap</c> through the real command line.</summary>
public class BenchLapVerbTests
{
    [Fact]
    public async Task JsonReportsSecondsAndTheOptimumOfTheSavedMatrix()
    {
        string path = CliRunner.TempFile(".npy");
        try
        {
            var doc = await CliRunner.Json("bench", "lap", "--n", "48", "--seed", "3", "--baseline", "--save-costs", path);
            Assert.Equal(48, doc.GetProperty("n").GetInt32());
            Assert.True(doc.GetProperty("seconds").GetDouble() > 0);
            double cost = doc.GetProperty("cost").GetDouble();
            Assert.Equal(doc.GetProperty("baseline_cost").GetDouble(), cost, 12);
            var saved = Npy.Read<double>(path);
            Assert.Equal([48, 48], saved.ShapeArray());
            Assert.Equal(cost, LinearAssignment.Solve(saved).Cost, 12);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task BadArgumentsGiveOneLineErrors()
    {
        var (code, _, err) = await CliRunner.Run("bench", "lap", "--n", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--n must lie in 1..32768, got 0", err);
        (code, _, err) = await CliRunner.Run("bench", "lap", "--type", "int8");
        Assert.NotEqual(0, code);
        Assert.Contains("--type must be float32 or float64, got 'int8'", err);
    }
}
