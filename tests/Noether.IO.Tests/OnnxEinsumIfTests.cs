using Noether.Nn.Operations;
using Noether.Tensors;
using Onnx;
using static Noether.IO.Tests.OrtOracle;

namespace Noether.IO.Tests;

/// <summary>Einsum (folded, mapped onto Linear/Transpose/MatMul, or refused by equation) and If with a constant condition.</summary>
public class OnnxEinsumIfTests
{
    private static float[] Values(int n) => Enumerable.Range(0, n).Select(i => (i * 7 % 11 - 5) * 0.2f).ToArray();

    [Theory]
    [InlineData("bij,jk->bik", new[] { 4, 3 })]
    [InlineData("bij,kj->bik", new[] { 3, 4 })]
    [InlineData("kj,bij->bki", new[] { 3, 4 })]
    [InlineData("...j,jk->...k", new[] { 4, 3 })]
    [InlineData("bij,jk", new[] { 4, 3 })] // implicit output: bik
    public void AProductWithAWeightIsALinearLayer(string equation, int[] weight)
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 2, 4).Floats("w", weight.Select(d => (long)d).ToArray(), Values(12))
            .Node("Einsum", equation.StartsWith('k') ? ["w", "x"] : ["x", "w"], "y", ("equation", equation)).Output("y").Build();
        var net = AssertAgrees(model, 1e-5, Input(1, 1, 3, 2, 4));
        Assert.Contains(net.Graph.Nodes, n => n.Op is LinearOp);
        Assert.DoesNotContain(net.Graph.Nodes, n => n.Op is MatMulOp);
    }

    [Theory]
    [InlineData("bhqd,bhkd->bhqk", new[] { 2, 3, 4 }, new[] { 2, 5, 4 })]
    [InlineData("bhqk,bhkd->bhqd", new[] { 2, 3, 5 }, new[] { 2, 5, 4 })]
    [InlineData("bqhd,bkhd->bhqk", new[] { 3, 2, 4 }, new[] { 5, 2, 4 })]
    [InlineData("bid,bjd->bij", new[] { 3, 4 }, new[] { 5, 4 })]
    [InlineData("bi,bij->bj", new[] { 4 }, new[] { 4, 3 })]
    public void AProductOfTwoComputedValuesIsAMatMul(string equation, int[] a, int[] b)
    {
        var model = new OnnxModelBuilder(opset: 12).Input("a", [-1, .. a.Select(d => (long)d)]).Input("b", [-1, .. b.Select(d => (long)d)])
            .Node("Einsum", ["a", "b"], "y", ("equation", equation)).Output("y").Build();
        var net = AssertAgrees(model, 1e-5, Input(2, 1, [2, .. a]), Input(3, 1, [2, .. b]));
        Assert.Single(net.Graph.Nodes, n => n.Op is MatMulOp);
    }

    [Fact]
    public void ATransposeEquation()
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 2, 3, 4).Node("Einsum", ["x"], "y", ("equation", "bijk->bkij")).Output("y").Build();
        Assert.Equal(new TransposeOp([2, 0, 1]), Assert.Single(AssertAgrees(model, 0, Input(4, 1, 2, 2, 3, 4)).Graph.Nodes).Op);
    }

    [Fact]
    public void EinsumOnConstantsIsFolded()
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 3).Floats("p", [3, 4], Values(12)).Floats("q", [4, 2], Values(8))
            .Node("Einsum", ["p", "q"], "pq", ("equation", "ij,jk->ik")).Node("MatMul", ["x", "pq"], "y").Output("y").Build();
        Assert.IsType<LinearOp>(Assert.Single(AssertAgrees(model, 1e-5, Input(5, 1, 3, 3)).Graph.Nodes).Op);
    }

    [Fact]
    public void EinsumEvaluatorHandlesTracesDiagonalsAndBroadcasting()
    {
        var a = Tensor<double>.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3);
        Assert.Equal(15, EinsumEquation.Parse("ii", [2]).Evaluate([a]).ToArray().Single());
        Assert.Equal([1.0, 5, 9], EinsumEquation.Parse("ii->i", [2]).Evaluate([a]).ToArray());
        Assert.Equal(a.Transpose().Contiguous().ToArray(), EinsumEquation.Parse("ij->ji", [2]).Evaluate([a]).ToArray());
        var b = Tensor<double>.FromArray([1, 10], 2, 1, 1);
        var c = EinsumEquation.Parse("...ij,...jk->...ik", [3, 2]).Evaluate([b, Tensor<double>.FromArray([2], 1, 1)]);
        Assert.Equal([2, 1, 1], c.ShapeArray());
        Assert.Equal([2.0, 20], c.ToArray());
    }

    [Theory]
    [InlineData("bijk->bj")]
    [InlineData("bijk->bkj")]
    public void SumsOverAxesOfOneValue(string equation)
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 2, 3, 4).Node("Einsum", ["x"], "y", ("equation", equation)).Output("y").Build();
        AssertAgrees(model, 1e-5, Input(8, 1, 2, 2, 3, 4));
    }

    [Theory]
    [InlineData("bii->bi", 3, 3)]
    [InlineData("bij,bkl->bijkl", 3, 4)] // an outer product
    public void UnmappedEquationsAreOpaqueAndRefusedByNameInStrictMode(string equation, int i, int j)
    {
        string[] operands = equation.Contains(',') ? ["x", "x"] : ["x"];
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, i, j).Node("Einsum", operands, "y", ("equation", equation)).Output("y").Build();
        AssertOpaqueRunsOnOnnxRuntime(model, ["Einsum"], 1e-6, Input(4, 1, 2, i, j));
        var e = StrictRefusal(model, "einsum.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, e.Error);
        Assert.Contains($"'{equation}'", e.Message);
        Assert.Contains("einsum.onnx", e.Message);
    }

    [Fact]
    public void EinsumThatMovesTheBatchAxisIsOpaqueAndABatchAxisErrorInStrictMode()
    {
        var model = new OnnxModelBuilder(opset: 12).Input("x", -1, 3).Node("Einsum", ["x"], "y", ("equation", "bi->ib")).Output("y").Build();
        var net = AssertOpaqueRunsOnOnnxRuntime(model, ["Einsum"], 1e-6, Input(4, 1, 2, 3));
        Assert.Equal(1, ((Noether.Nn.Operations.OpaqueOp)net.Graph.Nodes.Single().Op).BatchAxis);
        Assert.Equal(OnnxImportError.BatchAxis, StrictRefusal(model, "einsum.onnx").Error);
    }

    // ---- If ------------------------------------------------------------------------------------------------------

    /// <summary>A branch computing x·c + 1 or x − c through a local value named "h" (the same in every branch).</summary>
    private static GraphProto Branch(string op, string constant, string output)
        => new OnnxModelBuilder().Node(op, ["x", constant], "h").Node("Add", ["h", "one"], output).Output(output).Graph();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IfWithAConstantConditionInlinesTheChosenBranch(bool condition)
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f)
            .Initializer(OnnxTensors.Bool("cond", Tensor<double>.Scalar(condition ? 1 : 0)))
            .Node("If", ["cond"], "y", ("then_branch", Branch("Mul", "two", "then_out")), ("else_branch", Branch("Sub", "two", "else_out")))
            .Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(6, 1, 3, 4));
        Assert.Equal(condition ? BinaryFunction.Mul : BinaryFunction.Sub, Assert.IsType<ScalarBinaryOp>(net.Graph.Nodes[0].Op).Function);
    }

    [Fact]
    public void TwoInlinedIfsWithTheSameLocalNamesDoNotCollide()
    {
        // Both branches define "h" and "then_out"; a shape check (x.size(1) == 4) folds to true.
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f).Scalar("axis1", 1).Scalar("four", 4)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "axis1"], "d", ("axis", 0L)).Node("Equal", ["d", "four"], "cond")
            .Node("If", ["cond"], "y1", ("then_branch", Branch("Mul", "two", "then_out")), ("else_branch", Branch("Sub", "two", "else_out")))
            .Node("If", ["cond"], "y2", ("then_branch", Branch("Add", "two", "then_out")), ("else_branch", Branch("Sub", "two", "else_out")))
            .Node("Mul", ["y1", "y2"], "y").Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(7, 1, 3, 4));
        Assert.Equal(net.Graph.Nodes.Count, net.Graph.Nodes.Select(n => n.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("Greater", 3, false, true)]   // x.size(1) > 3
    [InlineData("Less", 3, true, true)]       // not (x.size(1) < 3)
    [InlineData("GreaterOrEqual", 5, false, false)]
    [InlineData("LessOrEqual", 0, true, true)] // not (N <= 0): the batch size is at least 1
    public void ConditionsFromShapeComparisonsFold(string comparison, long literal, bool negate, bool expected)
    {
        var b = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f)
            .Scalar("axis", literal == 0 ? 0 : 1).Scalar("c", literal)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "axis"], "d", ("axis", 0L)).Node(comparison, ["d", "c"], "test");
        b = negate ? b.Node("Not", ["test"], "cond") : b.Node("And", ["test", "test"], "cond");
        var model = b.Node("If", ["cond"], "y", ("then_branch", Branch("Mul", "two", "a")), ("else_branch", Branch("Sub", "two", "b"))).Output("y").Build();
        var net = AssertAgrees(model, 1e-6, Input(9, 1, 3, 4));
        Assert.Equal(expected ? BinaryFunction.Mul : BinaryFunction.Sub, Assert.IsType<ScalarBinaryOp>(net.Graph.Nodes[0].Op).Function);
    }

    [Fact]
    public void AComparisonWithTheBatchSizeThatDependsOnItIsOpaqueAndRefusedInStrictMode()
    {
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f).Scalar("zero", 0).Scalar("c", 3)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "zero"], "n", ("axis", 0L)).Node("Greater", ["n", "c"], "cond")
            .Node("If", ["cond"], "y", ("then_branch", Branch("Mul", "two", "a")), ("else_branch", Branch("Sub", "two", "b"))).Output("y").Build();
        // The comparison reads N (taken from x at run time) and the If follows it: both branches, on either side of 3.
        AssertOpaqueRunsOnOnnxRuntime(model, ["Greater", "If"], 1e-6, Input(9, 1, 2, 4));
        AssertOpaqueRunsOnOnnxRuntime(model, ["Greater", "If"], 1e-6, Input(9, 1, 5, 4));
        var e = StrictRefusal(model, "if.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, e.Error);
        Assert.Contains("batch size", e.Message);
    }

    [Fact]
    public void IfWithAConditionComputedAtRunTimeIsOpaqueAndRefusedInStrictMode()
    {
        // A valid run-time condition (sum of the whole batch > 0) keeps the If opaque; ONNX Runtime runs it.
        var valid = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f).Floats("zero", [], 0f)
            .Node("ReduceSum", ["x"], "sum", ("keepdims", 0L)).Node("Greater", ["sum", "zero"], "cond")
            .Node("If", ["cond"], "y", ("then_branch", Branch("Mul", "two", "a")), ("else_branch", Branch("Sub", "two", "b"))).Output("y").Build();
        AssertOpaqueRunsOnOnnxRuntime(valid, ["ReduceSum", "Greater", "If"], 1e-6, Input(3, 1, 3, 4));
        // Strict mode names the If handler's refusal (the condition here is a whole computed input).
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("two", [], 2f).Floats("one", [], 1f)
            .Node("If", ["x"], "y", ("then_branch", Branch("Mul", "two", "a")), ("else_branch", Branch("Sub", "two", "b"))).Output("y").Build();
        var e = StrictRefusal(model, "if.onnx");
        Assert.Equal(OnnxImportError.UnsupportedVariant, e.Error);
        Assert.Contains("condition", e.Message);
        Assert.Contains("(If)", e.Message);
    }

    [Fact]
    public void AnUnsupportedOpInsideTheChosenBranchIsNamed()
    {
        var branch = new OnnxModelBuilder().Node("TopK", ["x", "one"], "h").Output("h").Graph();
        var model = new OnnxModelBuilder(opset: 13).Input("x", -1, 4).Floats("one", [], 1f).Initializer(OnnxTensors.Bool("cond", Tensor<double>.Scalar(1)))
            .Node("If", ["cond"], "y", ("then_branch", branch), ("else_branch", Branch("Sub", "one", "b"))).Output("y").Build();
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import<float>(model, "if.onnx"));
        Assert.Equal(OnnxImportError.UnsupportedOp, e.Error);
        Assert.Contains("TopK", e.Message);
    }
}
