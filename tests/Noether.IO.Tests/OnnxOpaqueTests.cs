using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>
/// Valid ONNX models with ops the IR cannot express load with those nodes kept opaque; written back (to ONNX, or via
/// safetensors) they compute the same function, as ONNX Runtime confirms. Malformed files still fail in one line.
/// </summary>
public class OnnxOpaqueTests
{
    private static float[] Values(int n, int seed)
    {
        var rng = new Rng((ulong)seed);
        return Tensor<double>.RandomNormal(rng, 0.0, 0.5, n).ToArray().Select(v => (float)v).ToArray();
    }

    private static (string, Array, long[]) Feed(string name, int seed, params long[] shape) => (name, Values((int)shape.Aggregate(1L, (a, b) => a * b), seed), shape);

    /// <summary>x[N,4] → Gemm → Relu → CumSum over the features (not mapped to the IR) → Gemm → y[N,3].</summary>
    internal static OnnxModelBuilder CumSumMlp() => new OnnxModelBuilder(13).Input("x", -1, 4)
        .Floats("fc1.weight", [6, 4], Values(24, 1)).Floats("fc1.bias", [6], Values(6, 2))
        .Floats("fc2.weight", [3, 6], Values(18, 3)).Floats("fc2.bias", [3], Values(3, 4)).Scalar("axis", 1)
        .Node("Gemm", ["x", "fc1.weight", "fc1.bias"], "h", ("transB", 1L)).Node("Relu", ["h"], "r")
        .Node("CumSum", ["r", "axis"], "c").Node("Gemm", ["c", "fc2.weight", "fc2.bias"], "y", ("transB", 1L)).Output("y");

    private static void AssertSameFunction(string a, string b, params (string, Array, long[])[] feeds)
    {
        var before = OrtFileOracle.Run(a, feeds);
        var after = OrtFileOracle.Run(b, feeds);
        double diff = OrtFileOracle.MaxDiff(before, after);
        Assert.True(diff <= 1e-6, $"ONNX Runtime outputs differ by {diff:E2} after writing the model back");
    }

    [Fact]
    public void AnUnknownOpIsKeptOpaqueAndWrittenBackAsTheOriginalNode()
    {
        using var dir = new TempDir();
        var path = CumSumMlp().Save(dir);
        var model = OnnxImporter.Load<float>(path);
        var node = Assert.Single(model.Graph.Nodes, n => n.Op is OpaqueOp);
        var op = (OpaqueOp)node.Op;
        Assert.Equal(("CumSum", "", 13, "float32", 0), (op.OpType, op.Domain, op.Opset, op.ElementType, op.BatchAxis));
        Assert.Equal([6], op.Shape);
        Assert.Equal([OpaqueSourceKind.Input, OpaqueSourceKind.Constant], op.Sources.Select(s => s.Kind));
        Assert.Contains("CumSum", op.Describe());
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.Op is LinearOp));

        // Our executor cannot run it and says so, naming the node and the other engine.
        var e = Assert.Throws<NotSupportedException>(() => model.Predict(Tensor<float>.Ones(2, 4)));
        Assert.Contains($"'{node.Name}'", e.Message);
        Assert.Contains("--engine onnxruntime", e.Message);

        var feed = Feed("x", 7, 5, 4);
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        AssertSameFunction(path, written, feed);
        var exported = OnnxFile.ReadModel(written);
        Assert.Single(exported.Graph.Node, n => n.OpType == "CumSum" && n.Name == "/cumsum/CumSum_2");
        Assert.Equal(13, exported.OpsetImport.Single(o => o.Domain == "").Version);

        // ONNX → ONNX keeps the very same opaque op; safetensors (architecture JSON) → ONNX keeps the function.
        var again = OnnxImporter.Load<float>(written);
        var againOp = (OpaqueOp)Assert.Single(again.Graph.Nodes, n => n.Op is OpaqueOp).Op;
        Assert.True(op == againOp, $"{GraphJson.Serialize(model.Graph)}\n{GraphJson.Serialize(again.Graph)}");
        ModelFiles.Save(model, dir.File("model.safetensors"));
        var stored = ModelFiles.Load<float>(dir.File("model.safetensors"));
        Assert.Equal(model.Graph.Nodes, stored.Graph.Nodes);
        OnnxExporter.Save(stored, dir.File("from-safetensors.onnx"));
        AssertSameFunction(path, dir.File("from-safetensors.onnx"), feed);
    }

    [Fact]
    public void ACustomDomainOpLoadsFromValueInfoAndKeepsItsDomain()
    {
        using var dir = new TempDir();
        var m = new OnnxModelBuilder(13).Input("x", -1, 4).Node("Mystery", ["x"], "m", ("gain", 2.5f)).InDomain("acme.ops", 3)
            .Node("Relu", ["m"], "y").Output("y");
        // Without a stated shape, ONNX Runtime is asked, and it does not know the op: a one-line error naming the node.
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(m.Save(dir, "bare.onnx")));
        Assert.Equal(OnnxImportError.UnsupportedOp, e.Error);
        Assert.Contains("'/mystery/Mystery_0' (Mystery)", e.Message);
        Assert.Contains("acme.ops.Mystery", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var model = OnnxImporter.Load<float>(m.ValueInfo("m", DataType.Float, -1, 7).Save(dir));
        var op = (OpaqueOp)Assert.Single(model.Graph.Nodes, n => n.Op is OpaqueOp).Op;
        Assert.Equal(("acme.ops", 3), (op.Domain, op.Opset));
        Assert.Equal([7], op.Shape);
        Assert.Equal([7], model.Graph.ShapeOf(model.Graph.Outputs[0]));
        var written = OnnxExporter.Export(model);
        var node = Assert.Single(written.Graph.Node, n => n.OpType == "Mystery");
        Assert.Equal(("acme.ops", 2.5f), (node.Domain, node.Attribute.Single(a => a.Name == "gain").F));
        Assert.Equal(3, written.OpsetImport.Single(o => o.Domain == "acme.ops").Version);
        Assert.Equal(OnnxExporter.Opset, written.OpsetImport.Single(o => o.Domain == "").Version);
    }

    [Fact]
    public void AMultiOutputNodeBecomesOneIrNodePerUsedOutputAndOneOnnxNodeAgain()
    {
        // TopK: the values feed a Gemm, the int64 indices are a graph output.
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("x", -1, 6).Longs("k", 3).Floats("fc.weight", [2, 3], Values(6, 5))
            .Node("TopK", ["x", "k"], "values", ("axis", -1L)).WithOutputs("values", "indices")
            .Node("Gemm", ["values", "fc.weight"], "y", ("transB", 1L)).Output("y").Output("indices", DataType.Int64).Save(dir);
        var model = OnnxImporter.Load<float>(path);
        var opaque = model.Graph.Nodes.Where(n => n.Op is OpaqueOp).Select(n => (OpaqueOp)n.Op).ToArray();
        Assert.Equal([(0, false, "float32"), (1, true, "int64")], opaque.Select(o => (o.Output, o.Secondary, o.ElementType)));
        Assert.All(opaque, o => Assert.Equal([3], o.Shape));
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        Assert.Single(OnnxFile.ReadModel(written).Graph.Node, n => n.OpType == "TopK");
        AssertSameFunction(path, written, Feed("x", 11, 4, 6));
    }

    [Fact]
    public void ATransposeThatMovesTheBatchAxisAndItsReadersStayOpaqueUntilTheBatchIsBackInFront()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("x", -1, 3, 4).Floats("w", [4, 2], Values(8, 6))
            .Node("Transpose", ["x"], "t", ("perm", new long[] { 1, 0, 2 })).Node("Sin", ["t"], "r")
            .Node("Transpose", ["r"], "back", ("perm", new long[] { 1, 0, 2 })).Node("MatMul", ["back", "w"], "y").Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(path);
        var ops = model.Graph.Nodes.Select(n => n.Op).ToArray();
        // (A Relu there would run per sample on the moved value: see OnnxGraphConverter.MergedBatch.)
        Assert.Equal([1, 1, 0], ops.OfType<OpaqueOp>().Select(o => o.BatchAxis));
        Assert.Equal(["Transpose", "Sin", "Transpose"], ops.OfType<OpaqueOp>().Select(o => o.OpType));
        Assert.IsType<LinearOp>(ops[^1]);
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        AssertSameFunction(path, written, Feed("x", 12, 2, 3, 4));
    }

    [Fact]
    public void IntegerTokenIdsLoadAndTheirEmbeddingGatherBecomesAnEmbeddingWithItsTableAsAWeight()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("ids", DataType.Int64, -1, 5).Floats("embed.weight", [10, 4], Values(40, 8))
            .Floats("head.weight", [3, 4], Values(12, 9)).Longs("axes", 1)
            .Node("Gather", ["embed.weight", "ids"], "e", ("axis", 0L)).Node("ReduceMean", ["e"], "pooled", ("axes", new long[] { 1 }), ("keepdims", 0L))
            .Node("Gemm", ["pooled", "head.weight"], "y", ("transB", 1L)).Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(path);
        Assert.Equal("int64", Assert.Single(model.Graph.Inputs).ElementType);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Op is OpaqueOp);
        var embedding = Assert.Single(model.Graph.Nodes, n => n.Op is EmbeddingOp);
        Assert.Equal([10, 4], model[$"{embedding.Name}.weight"].ShapeArray());
        var ids = (Array)new long[] { 0, 3, 9, 2, 2, 7, 1, 1, 5, 8 };
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        AssertSameFunction(path, written, ("ids", ids, [2, 5]));
        ModelFiles.Save(model, dir.File("model.safetensors"));
        var stored = ModelFiles.Load<float>(dir.File("model.safetensors"));
        Assert.Equal("int64", stored.Graph.Inputs[0].ElementType);
        OnnxExporter.Save(stored, dir.File("from-safetensors.onnx"));
        AssertSameFunction(path, dir.File("from-safetensors.onnx"), ("ids", ids, [2, 5]));
    }

    [Fact]
    public void AnUnknownOpOnConstantsIsEvaluatedByOnnxRuntimeAndFolded()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("x", -1, 3).Floats("c", [3], 1, 2, 3).Scalar("axis", 0)
            .Node("CumSum", ["c", "axis"], "s").Node("Add", ["x", "s"], "y").Output("y").Save(dir);
        var model = OnnxImporter.Load<double>(path);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Op is OpaqueOp);
        var x = Values(6, 13);
        var ours = model.Predict(new Tensor<double>(x.Select(v => (double)v).ToArray(), 2, 3))[0].ToArray();
        var theirs = OrtFileOracle.Run(path, ("x", x, [2, 3]))[0].Values;
        Assert.Equal(theirs.Length, ours.Length);
        for (int i = 0; i < ours.Length; i++) Assert.Equal(theirs[i], ours[i], 5);
        Assert.Equal(x[0] + 1f, ours[0], 5);
        Assert.Equal(x[2] + 6f, ours[2], 5);
    }

    [Fact]
    public void AnIfWhoseBranchesReadOuterValuesIsWrittenBackWithThoseValuesUnderTheirNames()
    {
        // cond = sum(x) > 0 (ReduceSum and Greater are opaque: scalars without a batch axis); the branches read the
        // graph input x and the initializer 'scale' from the enclosing graph.
        static GraphProto Branch(string op, string[] inputs, string output)
        {
            var g = new GraphProto { Name = output };
            g.Node.Add(new NodeProto { OpType = op, Name = output, Input = { inputs }, Output = { output } });
            g.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } } });
            return g;
        }
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("x", -1, 4).Floats("scale", [4], 0.5f, -1f, 2f, 3f).Floats("zero", [], 0f)
            .Floats("fc.weight", [2, 4], Values(8, 14))
            .Node("ReduceSum", ["x"], "s", ("keepdims", 0L)).Node("Greater", ["s", "zero"], "cond")
            .Node("If", ["cond"], "branch", ("then_branch", Branch("Relu", ["x"], "then_out")), ("else_branch", Branch("Mul", ["x", "scale"], "else_out")))
            .Node("Gemm", ["branch", "fc.weight"], "y", ("transB", 1L)).Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(path);
        var branch = (OpaqueOp)model.Graph.Nodes.Single(n => n.Op is OpaqueOp { OpType: "If" }).Op;
        Assert.Equal([null, "x", "scale"], branch.Sources.Select(s => s.Name));
        Assert.Equal([OpaqueSourceKind.Input, OpaqueSourceKind.Input, OpaqueSourceKind.Parameter], branch.Sources.Select(s => s.Kind));
        Assert.Equal(0, branch.BatchAxis);
        Assert.Equal([4], branch.Shape);
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        var positive = Enumerable.Range(0, 8).Select(i => 0.25f * i - 0.5f).ToArray();
        AssertSameFunction(path, written, ("x", positive, [2, 4]));
        AssertSameFunction(path, written, ("x", positive.Select(v => -v).ToArray(), [2, 4]));
        AssertSameFunction(path, written, ("x", positive[..4], [1, 4]));
    }

    [Fact]
    public void TheWriterFollowsTheOpsetOfTheOpaqueNodes()
    {
        // Opset 13 has no LayerNormalization: the writer keeps opset 13 for the CumSum and writes the norm decomposed.
        using var dir = new TempDir();
        var path = new OnnxModelBuilder(13).Input("x", -1, 4).Floats("ln.weight", [4], 1f, 2f, 0.5f, -1f).Floats("ln.bias", [4], 0f, 0.1f, 0.2f, 0.3f)
            .Floats("two", [], 2f).Floats("eps", [], 1e-5f).Scalar("axis", 1)
            .Node("ReduceMean", ["x"], "mean", ("axes", new long[] { -1 })).Node("Sub", ["x", "mean"], "d").Node("Pow", ["d", "two"], "d2")
            .Node("ReduceMean", ["d2"], "var", ("axes", new long[] { -1 })).Node("Add", ["var", "eps"], "ve").Node("Sqrt", ["ve"], "sd")
            .Node("Div", ["d", "sd"], "n").Node("Mul", ["n", "ln.weight"], "nw").Node("Add", ["nw", "ln.bias"], "ln")
            .Node("CumSum", ["ln", "axis"], "y").Output("y").Save(dir);
        var model = OnnxImporter.Load<float>(path);
        Assert.Contains(model.Graph.Nodes, n => n.Op is LayerNormOp);
        var written = dir.File("written.onnx");
        OnnxExporter.Save(model, written);
        var proto = OnnxFile.ReadModel(written);
        Assert.Equal(13, proto.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "LayerNormalization");
        AssertSameFunction(path, written, Feed("x", 15, 3, 4));
    }

    [Theory]
    [InlineData("cycle", "reads 'b'")]
    [InlineData("cycle-unknown", "reads 'b'")]
    [InlineData("dangling", "reads 'nowhere'")]
    [InlineData("dangling-unknown", "reads 'nowhere'")]
    [InlineData("domain", "uses domain 'acme'")]
    public void MalformedGraphsStillFailInOneLineNamingTheNode(string kind, string expected)
    {
        var m = new OnnxModelBuilder(13).Input("x", -1, 4).Scalar("axis", 1);
        m = kind switch
        {
            "cycle" => m.Node("Add", ["x", "b"], "a").Node("Relu", ["a"], "b"),
            "cycle-unknown" => m.Node("CumSum", ["b", "axis"], "a").Node("Relu", ["a"], "b"),
            "dangling" => m.Node("Add", ["x", "nowhere"], "a").Node("Relu", ["a"], "b"),
            "dangling-unknown" => m.Node("CumSum", ["nowhere", "axis"], "a").Node("Relu", ["a"], "b"),
            _ => m.Node("Relu", ["x"], "a").Node("Mystery", ["a"], "b").InDomain("acme", version: 0),
        };
        using var dir = new TempDir();
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(m.Output("b").Save(dir)));
        Assert.Equal(OnnxImportError.Malformed, e.Error);
        Assert.Contains(expected, e.Message);
        Assert.Contains("model.onnx: node '", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
