using Xunit.Abstractions;

namespace Noether.IO.Tests;

/// <summary>ONNX's backend node tests (Debian libonnx-testdata) through the importer; every in-scope case must pass.</summary>
public class OnnxConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryInScopeNodeTestPasses()
    {
        if (!Directory.Exists(OnnxConformance.DefaultDirectory))
            Assert.Fail($"ONNX node tests are missing at {OnnxConformance.DefaultDirectory}: install the Debian package {OnnxConformance.DebianPackage} (scripts/test.sh does)");
        var report = OnnxConformance.Run();
        var table = report.FormatTable();
        output.WriteLine(table);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "onnx-conformance.md"), table);
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "onnx-conformance-cases.tsv"),
            report.Cases.Select(c => $"{c.Test}\t{c.Op}\t{c.Outcome}\t{c.MaxError:E1}\t{c.Reason}"));
        var failed = report.With(ConformanceOutcome.Failed).ToArray();
        Assert.True(failed.Length == 0, $"{failed.Length} in-scope ONNX node tests failed:\n" + string.Join("\n", failed.Select(f => $"  {f.Test} ({f.Op}): {f.Reason}")));
        // Guard against a runner that classifies everything away: the core layers must really run.
        var passed = report.With(ConformanceOutcome.Passed).ToArray();
        Assert.True(passed.Length >= 100, $"only {passed.Length} node tests passed");
        foreach (var op in new[] { "Conv", "Gemm", "MatMul", "BatchNormalization", "LayerNormalization", "Relu", "Softmax", "MaxPool", "AveragePool", "Reshape", "Transpose", "Slice", "Pad", "Gather" })
            Assert.Contains(passed, c => c.Op == op);
    }

    /// <summary>PyTorch modules exported by torch.onnx (Debian libonnx-testdata's pytorch-converted and pytorch-operator).</summary>
    [Theory]
    [InlineData("pytorch-converted")]
    [InlineData("pytorch-operator")]
    public void EveryInScopePyTorchExportPasses(string suite)
    {
        var dir = Path.Combine(Path.GetDirectoryName(OnnxConformance.DefaultDirectory)!, suite);
        if (!Directory.Exists(dir)) Assert.Fail($"ONNX test data missing at {dir}: install the Debian package {OnnxConformance.DebianPackage}");
        var report = OnnxConformance.Run(dir);
        output.WriteLine(report.FormatTable());
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, $"onnx-{suite}.md"), report.FormatTable());
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, $"onnx-{suite}-cases.tsv"),
            report.Cases.Select(c => $"{c.Test}\t{c.Op}\t{c.Outcome}\t{c.MaxError:E1}\t{c.Reason}"));
        var failed = report.With(ConformanceOutcome.Failed).ToArray();
        Assert.True(failed.Length == 0, $"{failed.Length} in-scope {suite} tests failed:\n" + string.Join("\n", failed.Select(f => $"  {f.Test} ({f.Op}): {f.Reason}")));
        Assert.NotEmpty(report.With(ConformanceOutcome.Passed));
    }

    [Fact]
    public void OutOfScopeCasesAreNeverCountedAsPasses()
    {
        if (!Directory.Exists(OnnxConformance.DefaultDirectory)) return; // reported by the test above
        var report = OnnxConformance.Run(filter: t => t is "test_softmax_axis_0" or "test_transpose_default" or "test_shape" or "test_add_bcast" or "test_relu");
        Assert.Equal(ConformanceOutcome.Passed, report.Cases.Single(c => c.Test == "test_relu").Outcome);
        foreach (var c in report.Cases.Where(c => c.Test != "test_relu"))
        {
            Assert.Equal(ConformanceOutcome.OutOfScope, c.Outcome);
            Assert.False(string.IsNullOrEmpty(c.Reason));
        }
    }

    [Fact]
    public void AMissingDirectoryNamesThePackage()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => OnnxConformance.Run("/nonexistent/onnx/node"));
        Assert.Contains(OnnxConformance.DebianPackage, e.Message);
    }
}
