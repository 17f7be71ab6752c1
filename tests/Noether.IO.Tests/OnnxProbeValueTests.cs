using Noether.IO.Tests.OnnxZoo;

namespace Noether.IO.Tests;

/// <summary>
/// The shape probe feeds ONNX Runtime representative values for inputs without a batch axis: the ones given, else
/// the constants the graph compares them with. Silero VAD v5 is one If on the sample rate: at a 512-sample frame only
/// the 16 kHz branch runs, and a zero sample rate selects the 8 kHz branch.
/// </summary>
public class OnnxProbeValueTests
{
    private static readonly string Silero = ZooManifest.PathOf("real/silero_vad_v5.onnx");
    private static readonly Dictionary<string, int> Frame512 = new() { ["input:1"] = 512 };

    private static TypedArray SampleRate(long hz) => new(ArrayElementType.Int64, [], BitConverter.GetBytes(hz));

    [Fact]
    public void WithoutAGivenValueTheConstantTheGraphComparesWithIsTried()
    {
        var model = OnnxImporter.Load<float>(Silero, OnnxImportOptions.WithDims(Frame512));
        Assert.Equal([512], model.Graph.Inputs[0].Shape);
    }

    [Fact]
    public void AGivenValueIsFedAndWins()
    {
        var ok = OnnxImporter.Load<float>(Silero, OnnxImportOptions.With(Frame512, new Dictionary<string, TypedArray> { ["sr"] = SampleRate(16000) }));
        Assert.Equal([512], ok.Graph.Inputs[0].Shape);
        var e = Assert.Throws<OnnxImportException>(() =>
            OnnxImporter.Load<float>(Silero, OnnxImportOptions.With(Frame512, new Dictionary<string, TypedArray> { ["sr"] = SampleRate(8000) })));
        Assert.Contains("If", e.Message);
    }
}
