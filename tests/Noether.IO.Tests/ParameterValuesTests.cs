using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>The safetensors value policy: −∞ masks and infinite buffers load, NaN never does, and the writer agrees with the reader.</summary>
public class ParameterValuesTests
{
    [Fact]
    public void MinusInfinityMaskFromOnnxRoundTripsThroughSafetensors()
    {
        using var dir = new TempDir();
        var mask = new TensorProto { Name = "attn_mask", DataType = (int)DataType.Float, Dims = { 4 }, FloatData = { 0, float.NegativeInfinity, 0, float.NegativeInfinity } };
        var onnx = new OnnxModelBuilder().Input("x", -1, 4).Initializer(mask)
            .Node("Add", ["x", "attn_mask"], "scores").Node("Softmax", ["scores"], "y", ("axis", -1L)).Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(onnx);
        var path = dir.File("masked.safetensors");
        ModelFiles.Save(model, path);
        var back = ModelFiles.Load<float>(path);
        var stored = back.Parameters.Single().Value.ToArray();
        Assert.Equal(new[] { 0f, float.NegativeInfinity, 0f, float.NegativeInfinity }, stored);
        var x = Tensor<float>.RandomNormal(new Rng(1), [3, 4]);
        var y = back.Predict(x)[0];
        Assert.Equal(0f, y.MaxAbsDiff(model.Predict(x)[0]));
        Assert.Equal(0f, y[0, 1]);
        Assert.Equal(1f, y[0, 0] + y[0, 2], 5);
    }

    private static Model<double> OneParameter(bool trainable, double[] values)
    {
        var add = new ParameterBinaryOp(BinaryFunction.Add, [values.Length], Role: "bias", Trainable: trainable);
        var graph = new Graph([new InputSpec("x", [values.Length])], [new Node("shift", add, ["x"])], ["shift"], "g");
        return new Model<double>(graph, new Dictionary<string, Tensor<double>> { ["shift.bias"] = new Tensor<double>(values, values.Length) });
    }

    public static TheoryData<bool, string, double[], string?> Cases => new()
    {
        { true, "finite", [1, -2, 0.5], null },
        { true, "additive mask", [0, double.NegativeInfinity, 0], null },
        { true, "diverged weight", [1, double.PositiveInfinity, 0.5], "contains +∞ (element 1) among nonzero weights" },
        { true, "NaN weight", [1, double.NaN, 0.5], "trainable tensor 'shift.bias' [3] contains NaN (element 1)" },
        { false, "finite buffer", [1, -2, 0.5], null },
        { false, "mask buffer", [0, double.NegativeInfinity, 0], null },
        { false, "infinite buffer", [1, double.PositiveInfinity, double.NegativeInfinity], null },
        { false, "NaN buffer", [double.NaN, 0, 0], "buffer 'shift.bias' [3] contains NaN (element 0)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheWriterWritesExactlyWhatTheReaderReads(bool trainable, string what, double[] values, string? refusal)
    {
        using var dir = new TempDir();
        var model = OneParameter(trainable, values);
        // Reader side: a file written around the policy (raw safetensors with the graph in its metadata).
        var raw = dir.File("raw.safetensors");
        SafetensorsWriter.Write(raw, model.Parameters, new Dictionary<string, string> { [ModelFiles.GraphKey] = GraphJson.Serialize(model.Graph) });
        Exception? readError = Record.Exception(() => ModelFiles.Load<double>(raw));
        // Writer side: the same model through ModelFiles.Save.
        var saved = dir.File("saved.safetensors");
        Exception? writeError = Record.Exception(() => ModelFiles.Save(model, saved));
        Assert.Equal(readError is null, writeError is null);
        if (refusal is null)
        {
            Assert.Null(writeError);
            var back = ModelFiles.Load<double>(saved)["shift.bias"].ToArray();
            Assert.Equal(values, back);
            return;
        }
        Assert.IsType<InvalidDataException>(readError);
        Assert.IsType<ArgumentException>(writeError);
        Assert.Contains(refusal, readError!.Message);
        Assert.Contains(refusal, writeError!.Message);
        Assert.Contains("raw.safetensors", readError.Message);
        Assert.False(File.Exists(saved), $"{what}: a refused model must leave nothing behind");
    }
}
