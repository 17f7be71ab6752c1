namespace Noether.IO.Tests;

/// <summary>The node tests of Resize, Upsample, ConvTranspose, LSTM and GRU that fit the per-sample IR really run and pass.</summary>
public class OnnxLayerConformanceTests
{
    [Fact]
    public void TheNewLayersPassTheirNodeTests()
    {
        if (!Directory.Exists(OnnxConformance.DefaultDirectory))
            Assert.Fail($"ONNX node tests are missing at {OnnxConformance.DefaultDirectory}: install the Debian package {OnnxConformance.DebianPackage}");
        var report = OnnxConformance.Run(filter: t => t.StartsWith("test_resize") || t.StartsWith("test_upsample") || t.StartsWith("test_convtranspose")
            || t.StartsWith("test_lstm") || t.StartsWith("test_gru"));
        Assert.Empty(report.With(ConformanceOutcome.Failed));
        int Passed(string op) => report.With(ConformanceOutcome.Passed).Count(c => c.Op == op);
        // Every nearest and linear Resize case, every 1-D/2-D ConvTranspose, and the batch-first (layout 1) recurrent cases.
        Assert.True(Passed("Resize") >= 12, $"Resize: {Passed("Resize")} passed");
        Assert.True(Passed("ConvTranspose") >= 9, $"ConvTranspose: {Passed("ConvTranspose")} passed");
        Assert.Equal(1, Passed("Upsample"));
        Assert.Contains(report.Cases, c => c.Test == "test_lstm_batchwise" && c.Outcome == ConformanceOutcome.Passed);
        Assert.Contains(report.Cases, c => c.Test == "test_gru_batchwise" && c.Outcome == ConformanceOutcome.Passed);
        // What is left is cubic or crop-and-resize Resize, 3-D ConvTranspose, and time-major (layout 0) graph inputs.
        foreach (var c in report.Cases.Where(c => c.Outcome != ConformanceOutcome.Passed))
            Assert.Matches("cubic|tf_crop_and_resize|1-D and 2-D|layout 0|batch axis", c.Reason ?? "");
    }
}
