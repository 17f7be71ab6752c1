using System.Globalization;

namespace Noether.Cli.Tests;

/// <summary><c>noether bench zoo</c> through the real command line (tiny settings; no wall-clock assertions).</summary>
public class BenchZooVerbTests
{
    [Fact]
    public async Task JsonHasTimesRatioAndOneRowPerModelAndTheCsvMatches()
    {
        string csv = CliRunner.TempFile(".csv");
        try
        {
            var doc = await CliRunner.Json("bench", "zoo", "--models", "3", "--epochs", "1", "--seed", "7", "--hidden", "8", "--out", csv);
            Assert.Equal("zoo", doc.GetProperty("benchmark").GetString());
            var r = doc.GetProperty("result");
            Assert.Equal("mlp-64-8-10", r.GetProperty("model").GetString());
            Assert.Equal(3, r.GetProperty("models").GetInt32());
            double together = r.GetProperty("together_seconds").GetDouble(), alone = r.GetProperty("sequential_seconds").GetDouble();
            Assert.True(together > 0 && alone > 0);
            Assert.Equal(alone / together, r.GetProperty("speedup").GetDouble(), 9);
            double cpuTogether = r.GetProperty("together_cpu_seconds").GetDouble(), cpuAlone = r.GetProperty("sequential_cpu_seconds").GetDouble();
            Assert.True(cpuTogether > 0 && cpuAlone > 0);
            Assert.Equal(cpuAlone / cpuTogether, r.GetProperty("cpu_ratio").GetDouble(), 9);
            Assert.Equal("small-gemm", r.GetProperty("kernel").GetString());
            var rows = r.GetProperty("per_model").EnumerateArray().ToArray();
            Assert.Equal([7UL, 8UL, 9UL], rows.Select(m => m.GetProperty("seed").GetUInt64()));
            foreach (var m in rows)
            {
                double a = m.GetProperty("together_accuracy").GetDouble(), b = m.GetProperty("sequential_accuracy").GetDouble();
                Assert.InRange(a, 0.1, 1); // one epoch of SGD on digits beats chance
                Assert.Equal(100 * (a - b), m.GetProperty("difference_points").GetDouble(), 9);
                Assert.Equal(a, b);                                                 // bit-identical weights
                Assert.Equal(0, m.GetProperty("max_weight_difference").GetDouble());
            }
            Assert.Equal(rows.Max(m => Math.Abs(m.GetProperty("difference_points").GetDouble())), r.GetProperty("max_accuracy_difference_points").GetDouble());
            var lines = File.ReadAllLines(csv);
            Assert.Equal("model,seed,together_accuracy,sequential_accuracy,difference_points,max_weight_difference", lines[0]);
            Assert.Equal(4, lines.Length);
            Assert.Equal(rows[2].GetProperty("together_accuracy").GetDouble(), double.Parse(lines[3].Split(',')[2], CultureInfo.InvariantCulture));
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public async Task BadArgumentsAndAnExistingOutputGiveOneLineErrors()
    {
        var (code, _, err) = await CliRunner.Run("bench", "zoo", "--models", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--models", err);
        string csv = CliRunner.TempFile(".csv");
        File.WriteAllText(csv, "keep");
        try
        {
            (code, _, err) = await CliRunner.Run("bench", "zoo", "--models", "2", "--epochs", "1", "--out", csv);
            Assert.Equal(2, code);
            Assert.Contains("exists; pass --overwrite", err);
            Assert.Equal("keep", File.ReadAllText(csv));
        }
        finally { File.Delete(csv); }
    }
}
