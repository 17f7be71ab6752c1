using Noether.Nn.Operations;
using static Noether.IO.Tests.OrtOracle;

namespace Noether.IO.Tests;

/// <summary>Split in its three opset forms and constant-folded Range, against ONNX Runtime.</summary>
public class OnnxSplitRangeTests
{
    [Fact]
    public void SplitSizesAsAnAttributeBeforeOpset13()
    {
        var model = new OnnxModelBuilder(opset: 11).Input("x", -1, 6, 3).Node("Split", ["x"], ["a", "b"], ("axis", 1L), ("split", new long[] { 2, 4 }))
            .Output("a").Output("b").Build();
        var net = AssertAgrees(model, 0, Input(1, 1, 2, 6, 3));
        Assert.All(net.Graph.Nodes, n => Assert.IsType<SliceOp>(n.Op));
        Assert.Equal([2, 3], net.Graph.ShapeOf(net.Graph.Outputs[0]));
    }

    [Fact]
    public void SplitSizesAsAnInputFromOpset13()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4, 7).Longs("sizes", 3, 1, 3)
            .Node("Split", ["x", "sizes"], ["a", "b", "c"], ("axis", -1L)).Output("a").Output("b").Output("c").Build();
        AssertAgrees(model, 0, Input(2, 1, 3, 4, 7));
    }

    [Fact]
    public void SplitIntoEqualPartsWithoutSizes()
    {
        // qkv.split: one [N, S, 3D] projection into three [N, S, D] parts.
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 2, 9).Node("Split", ["x"], ["q", "k", "v"], ("axis", 2L))
            .Node("Mul", ["q", "k"], "qk").Node("Add", ["qk", "v"], "y").Output("y").Build();
        AssertAgrees(model, 1e-6, Input(3, 1, 2, 2, 9));
    }

    [Fact]
    public void SplitByNumOutputsFromOpset18LeavesASmallerLastPart()
    {
        var model = new OnnxModelBuilder(opset: 18).Input("x", -1, 7).Node("Split", ["x"], ["a", "b", "c"], ("axis", 1L), ("num_outputs", 3L))
            .Output("a").Output("b").Output("c").Build();
        var net = AssertAgrees(model, 0, Input(4, 1, 2, 7));
        Assert.Equal([[3], [3], [1]], net.Graph.Outputs.Select(net.Graph.ShapeOf).ToArray());
    }

    [Fact]
    public void SplittingAConstantFoldsIt()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 3, 3).Floats("w", [4, 3], Enumerable.Range(0, 12).Select(i => i * 0.25f - 1).ToArray())
            .Longs("sizes", 1, 3).Node("Split", ["w", "sizes"], ["w0", "w1"]).Node("Add", ["x", "w1"], "h").Node("Mul", ["h", "w0"], "y").Output("y").Build();
        AssertAgrees(model, 1e-6, Input(5, 1, 2, 3, 3));
    }

    [Fact]
    public void SplittingTheBatchAxisIsOpaqueAndABatchAxisErrorInStrictMode()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Node("Split", ["x"], ["a", "b"], ("axis", 0L)).Output("a").Output("b").Build();
        // Valid only for an even batch; the halves hold N/2 rows each, which is no batch axis.
        var net = AssertOpaqueRunsOnOnnxRuntime(model, ["Split", "Split"], 0, Input(2, 1, 4, 4));
        Assert.All(net.Graph.Nodes.Select(n => (Noether.Nn.Operations.OpaqueOp)n.Op), o => Assert.Equal(-1, o.BatchAxis));
        var e = StrictRefusal(model, "split.onnx");
        Assert.Equal(OnnxImportError.BatchAxis, e.Error);
        Assert.Contains("Split", e.Message);
    }

    [Fact]
    public void SizesThatDoNotAddUpAreMalformed()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 5).Longs("sizes", 2, 2).Node("Split", ["x", "sizes"], ["a", "b"], ("axis", 1L)).Output("a").Output("b").Build();
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import<float>(model, "split.onnx"));
        Assert.Equal(OnnxImportError.Malformed, e.Error);
        Assert.Contains("[2, 2]", e.Message);
    }

    [Fact]
    public void IntegerRangeIsFolded()
    {
        var model = new OnnxModelBuilder(opset: 11).Input("x", -1, 5).Scalar("start", 1).Scalar("limit", 11).Scalar("delta", 2)
            .Node("Range", ["start", "limit", "delta"], "r").Node("Cast", ["r"], "rf", ("to", 1L)).Node("Add", ["x", "rf"], "y").Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(6, 1, 3, 5));
        Assert.IsType<ParameterBinaryOp>(Assert.Single(net.Graph.Nodes).Op);
    }

    [Fact]
    public void FloatRangeWithANegativeDelta()
    {
        var model = new OnnxModelBuilder(opset: 11).Input("x", -1, 4).Floats("start", [], 1f).Floats("limit", [], -1f).Floats("delta", [], -0.5f)
            .Node("Range", ["start", "limit", "delta"], "r").Node("Mul", ["x", "r"], "y").Output("y").Build();
        AssertAgrees(model, 1e-6, Input(7, 1, 3, 4));
    }

    [Fact]
    public void RangeOverAFeatureSizeReadFromTheShape()
    {
        // torch.arange(x.size(1)): Shape → Gather → Range.
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 6).Scalar("one", 1).Scalar("zero", 0).Scalar("step", 1)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "one"], "n", ("axis", 0L)).Node("Range", ["zero", "n", "step"], "r")
            .Node("Cast", ["r"], "rf", ("to", 1L)).Node("Sub", ["x", "rf"], "y").Output("y").Build();
        AssertAgrees(model, 1e-6, Input(8, 1, 2, 6));
    }

    [Fact]
    public void RangeOverTheBatchSizeIsOpaqueAndRefusedInStrictMode()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 6).Scalar("zero", 0).Scalar("step", 1)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "zero"], "n", ("axis", 0L)).Node("Range", ["zero", "n", "step"], "r")
            .Node("Cast", ["r"], "rf", ("to", 1L)).Node("ReduceMean", ["rf"], "m", ("keepdims", 0L)).Node("Add", ["x", "m"], "y").Output("y").Build();
        // x + mean(0 … N−1): the opaque Range takes N from x at run time.
        var net = AssertOpaqueRunsOnOnnxRuntime(model, ["Range", "Cast", "ReduceMean", "Add"], 1e-6, Input(8, 1, 3, 6));
        var range = (Noether.Nn.Operations.OpaqueOp)net.Graph.Nodes[0].Op;
        Assert.Contains(range.Sources, s => s.Kind == Noether.Nn.Operations.OpaqueSourceKind.BatchShape);
        var e = StrictRefusal(model, "range.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, e.Error);
        Assert.Contains("batch size", e.Message);
        Assert.Contains("Range", e.Message);
    }
}
