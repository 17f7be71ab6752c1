using Google.Protobuf;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>ONNX Runtime as an engine: typed feeds, named outputs, and one-line errors checked before ORT runs.</summary>
public class OnnxRuntimeEngineTests
{
    private static readonly DataType[] FeedTypes = [DataType.Float, DataType.Double, DataType.Float16, DataType.Int64, DataType.Int32, DataType.Bool];

    /// <summary>One input per type, each cast to float and passed through unchanged as a second output.</summary>
    private static ModelProto EveryType()
    {
        var b = new OnnxModelBuilder(13);
        foreach (var t in FeedTypes) b.Input($"in_{t}", t, -1, 3);
        foreach (var t in FeedTypes)
            b.Node("Cast", [$"in_{t}"], $"f_{t}", ("to", (long)DataType.Float)).Node("Identity", [$"in_{t}"], $"id_{t}");
        foreach (var t in FeedTypes) b.Output($"f_{t}").Output($"id_{t}", t);
        return b.Build();
    }

    private static TypedArray Values(ArrayElementType type) => TypedArray.FromTensor(new Tensor<double>(new double[] { 1, 0, -2, 3, 1, 0 }, 2, 3).Abs()).ConvertTo(type);

    [Fact]
    public void EveryFeedTypeRunsAndComesBackWithItsType()
    {
        using var engine = OnnxRuntimeEngine.FromModel(EveryType(), "every-type");
        ArrayElementType[] types = [ArrayElementType.Float32, ArrayElementType.Float64, ArrayElementType.Float16, ArrayElementType.Int64, ArrayElementType.Int32, ArrayElementType.Bool];
        Assert.Equal(types, engine.Inputs.Select(i => i.ElementType!.Value));
        var feeds = engine.Inputs.Zip(types).ToDictionary(p => p.First.Name, p => Values(p.Second));
        var outputs = engine.Run(feeds);
        Assert.Equal(engine.Outputs.Select(o => o.Name), outputs.Select(o => o.Key));
        foreach (var (name, value) in outputs)
        {
            var type = types[Array.IndexOf(FeedTypes, Enum.Parse<DataType>(name[(name.IndexOf('_') + 1)..]))];
            Assert.Equal(name.StartsWith("f_") ? ArrayElementType.Float32 : type, value.ElementType);
            Assert.Equal([2, 3], value.Shape);
            Assert.Equal(0.0, value.ToTensor<double>().MaxAbsDiff(Values(type).ToTensor<double>()));
        }
    }

    [Fact]
    public void GemmAgreesWithTheNoetherEngine()
    {
        var rng = new Rng(4);
        var w = Tensor<float>.RandomNormal(rng, [5, 4]); var bias = Tensor<float>.RandomNormal(rng, [5]);
        var model = new OnnxModelBuilder().Input("x", -1, 4).Floats("fc.weight", [5, 4], w.ToArray()).Floats("fc.bias", [5], bias.ToArray())
            .Node("Gemm", ["x", "fc.weight", "fc.bias"], "h", ("transB", 1L)).Node("Tanh", ["h"], "y").Output("y").Build();
        var x = Tensor<float>.RandomNormal(rng, [3, 4]);
        using var engine = OnnxRuntimeEngine.FromModel(model, "gemm");
        var ort = engine.Run(new Dictionary<string, TypedArray> { ["x"] = TypedArray.FromTensor(x) }).Single();
        Assert.Equal("y", ort.Key);
        var ours = OnnxImporter.Import<float>(model, "gemm").Predict(x)[0];
        Assert.True(ort.Value.ToTensor<float>().MaxAbsDiff(ours) <= 1e-5f * ours.Abs().Max());
    }

    [Fact]
    public void IntegerTokenIdsIndexAnEmbeddingTable()
    {
        var table = Enumerable.Range(0, 10 * 2).Select(i => (float)i).ToArray();
        var model = new OnnxModelBuilder().Input("ids", DataType.Int64, -1, 3).Floats("wte", [10, 2], table)
            .Node("Gather", ["wte", "ids"], "y", ("axis", 0L)).Output("y").Build();
        using var engine = OnnxRuntimeEngine.FromModel(model, "gather");
        // int32 ids widen to int64; float ids do not convert.
        var ids = TypedArray.From(ArrayElementType.Int32, [1, 3], new[] { 9, 0, 4 });
        var y = engine.Run(new Dictionary<string, TypedArray> { ["ids"] = ids }).Single().Value;
        Assert.Equal([1, 3, 2], y.Shape);
        Assert.Equal(new float[] { 18, 19, 0, 1, 8, 9 }, y.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => engine.Run(new Dictionary<string, TypedArray> { ["ids"] = ids.ConvertTo(ArrayElementType.Float32) }, new Dictionary<string, string> { ["ids"] = "ids.npy" }));
        Assert.Equal("gather: input 'ids' expects int64 [N, 3], given float32 [1, 3] (from ids.npy): float32 does not convert to int64 without loss", e.Message);
    }

    [Fact]
    public void WrongShapesNamesAndSymbolsAreOneLineErrorsBeforeOnnxRuntimeRuns()
    {
        var model = new OnnxModelBuilder().Input("a", -1, 3).Input("b", -1, 3).Node("Add", ["a", "b"], "y").Output("y").Build();
        using var engine = OnnxRuntimeEngine.FromModel(model, "add.onnx");
        TypedArray F(params int[] shape) => TypedArray.FromTensor(new Tensor<float>(shape));
        string Fails(Dictionary<string, TypedArray> feeds)
        {
            var m = Assert.Throws<ArgumentException>(() => engine.Run(feeds)).Message;
            Assert.DoesNotContain('\n', m);
            Assert.StartsWith("add.onnx: ", m);
            return m;
        }
        Assert.Contains("axis 1 has size 4 instead of 3", Fails(new() { ["a"] = F(2, 4), ["b"] = F(2, 3) }));
        Assert.Contains("input 'a' expects float32 [N, 3], given float32 [2, 3, 1]: rank 3 instead of 2", Fails(new() { ["a"] = F(2, 3, 1), ["b"] = F(2, 3) }));
        Assert.Contains("'N', which is 2 in input 'a' but 5 here", Fails(new() { ["a"] = F(2, 3), ["b"] = F(5, 3) }));
        Assert.Contains("input(s) 'b' (float32 [N, 3]) not given", Fails(new() { ["a"] = F(2, 3) }));
        Assert.Contains("no input named 'c'", Fails(new() { ["a"] = F(2, 3), ["b"] = F(2, 3), ["c"] = F(1) }));
        // float64 arrays convert to the declared float32.
        var y = engine.Run(new Dictionary<string, TypedArray> { ["a"] = F(2, 3).ConvertTo(ArrayElementType.Float64), ["b"] = F(2, 3) }).Single().Value;
        Assert.Equal(ArrayElementType.Float32, y.ElementType);
    }

    [Fact]
    public void OnnxRuntimeFailuresBecomeOneLineErrors()
    {
        // Loads fine, fails at run time: Reshape to 7 elements of a 6-element tensor.
        var model = new OnnxModelBuilder().Input("x", -1, 3).Longs("shape", 7).Node("Reshape", ["x", "shape"], "y").Output("y").Build();
        using var engine = OnnxRuntimeEngine.FromModel(model, "reshape.onnx");
        var e = Assert.Throws<InvalidOperationException>(() => engine.Run(new Dictionary<string, TypedArray> { ["x"] = TypedArray.FromTensor(new Tensor<float>(2, 3)) }));
        Assert.StartsWith("reshape.onnx: ONNX Runtime failed to run the model: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var bad = Assert.Throws<InvalidDataException>(() => OnnxRuntimeEngine.FromBytes(Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray(), "junk.onnx"));
        Assert.StartsWith("junk.onnx: ONNX Runtime cannot load the model: ", bad.Message);
        Assert.DoesNotContain('\n', bad.Message);
    }

    [Fact]
    public void AFileOnDiskRunsLikeTheGoldenOutput()
    {
        using var engine = OnnxRuntimeEngine.Open(HelloDeepaTests.Data("hello_deepa.onnx"));
        // The file declares a static batch of 1 (ORT enforces it): run the golden samples one at a time.
        Assert.Equal("float32 [1, 25, 96]", engine.Inputs[0].ToString());
        var x = Npy.Read<float>(HelloDeepaTests.Data("hello_deepa_input.npy"));
        var golden = Npy.Read<double>(HelloDeepaTests.Data("hello_deepa_output.npy"));
        for (int i = 0; i < x.Shape[0]; i++)
        {
            var sample = TypedArray.FromTensor(x.Slice(0, i, i + 1).Contiguous());
            var y = engine.Run(new Dictionary<string, TypedArray> { [engine.Inputs[0].Name] = sample })[0].Value.ToTensor<double>();
            var want = golden.Slice(0, i, i + 1);
            Assert.True(y.MaxAbsDiff(want) <= 1e-5 * golden.Abs().Max(), $"sample {i}");
        }
    }
}
