using Noether.Cli;

namespace Noether.Cli.Tests;

/// <summary><c>noether eigen</c>: a tiny run end to end, input errors exit 2 naming the problem, Ctrl-C exits 130.</summary>
public class EigenVerbTests
{
    [Fact]
    public async Task TinyCycleRunReportsAFiniteTestMae()
    {
        var j = await CliRunner.Json("eigen", "--task", "cycles", "--pe", "spe", "--epochs", "2", "--train-size", "24", "--eigenvectors", "4", "--width", "8", "--layers", "1");
        Assert.Equal("cycle4", j.GetProperty("target").GetString());
        Assert.Equal("spe", j.GetProperty("pe").GetString());
        Assert.Equal(24, j.GetProperty("train_graphs").GetInt32());
        Assert.Equal(250, j.GetProperty("test_graphs").GetInt32());
        double mae = j.GetProperty("test_mae").GetDouble();
        Assert.True(double.IsFinite(mae) && mae > 0, $"test MAE {mae}");
    }

    [Theory]
    [InlineData("unknown target 'cycle9' (targets: cycle3, cycle4, cycle5, cycle6)", "--task", "cycles", "--target", "cycle9")]
    [InlineData("--pe must be none, eig, signnet, basisnet or spe, got 'lap'", "--task", "cycles", "--pe", "lap")]
    [InlineData("--task must be molecules or cycles, got 'zinc'", "--task", "zinc")]
    [InlineData("--eigenvectors must be positive", "--task", "cycles", "--eigenvectors", "0")]
    [InlineData("missing.gz: molecule graph file not found", "--task", "molecules", "--data", "missing.gz")]
    public async Task BadInputExitsTwoWithOneLine(string message, params string[] args)
    {
        var (code, _, err) = await CliRunner.Run(["eigen", .. args]);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public async Task SigIntStopsTraining()
    {
        var r = await ChildProcess.Interrupt(["eigen", "--task", "cycles", "--pe", "signnet", "--epochs", "1000"], TimeSpan.FromSeconds(3), ChildProcess.SigInt);
        Assert.True(r.Code == ExitCodes.Cancelled, $"exit {r.Code}, stderr: {r.Err}");
        Assert.Contains("noether: cancelled", r.Err);
        Assert.True(r.AfterSignal < TimeSpan.FromSeconds(10), $"took {r.AfterSignal} to stop");
    }
}
