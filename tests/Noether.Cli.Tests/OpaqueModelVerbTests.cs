using System.Text.Json;
using Noether.IO.Tests;
using Noether.Tensors;

namespace Noether.Cli.Tests;

/// <summary>A model with an op the IR keeps opaque (CumSum between two Gemms): summary lists it, convert keeps it.</summary>
public sealed class OpaqueModelVerbTests
{
    private static float[] Values(int n, int seed)
        => Tensor<double>.RandomNormal(new Rng((ulong)seed), 0.0, 0.5, n).ToArray().Select(v => (float)v).ToArray();

    private static string Build(TempDir dir) => new OnnxModelBuilder(13).Input("x", -1, 4)
        .Floats("fc1.weight", [6, 4], Values(24, 1)).Floats("fc1.bias", [6], Values(6, 2))
        .Floats("fc2.weight", [3, 6], Values(18, 3)).Floats("fc2.bias", [3], Values(3, 4)).Scalar("axis", 1)
        .Node("Gemm", ["x", "fc1.weight", "fc1.bias"], "h", ("transB", 1L)).Node("Relu", ["h"], "r")
        .Node("CumSum", ["r", "axis"], "c").Node("Gemm", ["c", "fc2.weight", "fc2.bias"], "y", ("transB", 1L)).Output("y").Save(dir);

    [Fact]
    public async Task SummaryCountsOpaqueNodesAndConvertKeepsThemIntact()
    {
        using var dir = new TempDir();
        var path = Build(dir);
        var summary = await CliRunner.Json("summary", path);
        Assert.Equal(1, summary.GetProperty("opaque_ops").GetProperty("CumSum").GetInt32());
        Assert.Equal(1, summary.GetProperty("op_counts").GetProperty("Opaque").GetInt32());

        await CliRunner.Json("convert", path, dir.File("m.safetensors"));
        await CliRunner.Json("convert", dir.File("m.safetensors"), dir.File("back.onnx"));
        await CliRunner.Json("convert", path, dir.File("direct.onnx"));
        var x = Values(20, 5);
        var expected = OrtFileOracle.Run(path, ("x", x, [5, 4]));
        foreach (var written in new[] { "back.onnx", "direct.onnx" })
        {
            double diff = OrtFileOracle.MaxDiff(expected, OrtFileOracle.Run(dir.File(written), ("x", x, [5, 4])));
            Assert.True(diff <= 1e-6, $"{written}: ONNX Runtime outputs differ by {diff:E2}");
        }
        var again = await CliRunner.Json("summary", dir.File("back.onnx"));
        Assert.Equal(1, again.GetProperty("opaque_ops").GetProperty("CumSum").GetInt32());
    }
}
