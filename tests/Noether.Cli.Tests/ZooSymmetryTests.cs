using Noether.IO.Tests.OnnxZoo;

namespace Noether.Cli.Tests;

/// <summary>
/// The factors `inspect` derives on PyTorch exports of the ONNX zoo, stated per model (ZooVerbTests checks that a
/// random element keeps the function on ONNX Runtime).
/// </summary>
public class ZooSymmetryTests
{
    [Fact]
    public async Task TwoStackedLstmsEachGetOneSignedPermutationOfTheirHiddenUnitsAndNoNote()
    {
        var doc = await CliRunner.Json("inspect", ZooManifest.PathOf("generated/lstm.onnx"));
        var factors = doc.GetProperty("factors").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("group").GetString())).ToArray();
        Assert.Equal([("rnn.LSTM", "S_12 ⋉ {±1}^12"), ("rnn.LSTM_1", "S_12 ⋉ {±1}^12")], factors);
        Assert.Empty(doc.GetProperty("notes").EnumerateArray());
    }
}
