using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// A Linear read only through disjoint slices of its features (a fused qkv projection and <c>split</c>) imports as
/// one Linear per slice, with the function unchanged (ONNX Runtime as the oracle); overlapping slices stay as they are.
/// </summary>
public class LinearSplitTests
{
    private static Onnx.ModelProto Model(long[] starts, long[] ends)
    {
        var rng = new Rng(3);
        var b = new OnnxModelBuilder(13).Input("x", 2, 5)
            .Floats("qkv.weight", [12, 5], Tensor<float>.RandomNormal(rng, [60]).ToArray())
            .Floats("qkv.bias", [12], Tensor<float>.RandomNormal(rng, [12]).ToArray())
            .Longs("axes", 1)
            .Node("Gemm", ["x", "qkv.weight", "qkv.bias"], "qkv", ("transB", 1L));
        for (int k = 0; k < 3; k++)
            b = b.Longs($"s{k}", starts[k]).Longs($"e{k}", ends[k]).Node("Slice", ["qkv", $"s{k}", $"e{k}", "axes"], $"part{k}");
        return b.Node("Relu", ["part0"], "r").Node("Mul", ["r", "part1"], "m").Node("Sub", ["m", "part2"], "y").Output("y").Build();
    }

    private static float[] Ort(Onnx.ModelProto m, Tensor<float> x)
    {
        using var engine = OnnxRuntimeEngine.FromModel(m, "split");
        return engine.Run(new Dictionary<string, TypedArray> { ["x"] = TypedArray.FromTensor(x) })[0].Value.ToArray<float>();
    }

    [Fact]
    public void DisjointSlicesBecomeSeparateProjectionsWithTheSameFunction()
    {
        var proto = Model([0, 4, 8], [4, 8, 12]);
        var model = OnnxImporter.Import<double>(proto, "split.onnx");
        Assert.Equal(3, model.Graph.Nodes.Count(n => n.Op is LinearOp { Out: 4 }));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Op is SliceOp);
        var x = Tensor<float>.RandomNormal(new Rng(4), [2, 5]);
        var ours = model.Predict(x.Cast<double>())[0].ToArray();
        var want = Ort(proto, x);
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], ours[i], 1e-5);
    }

    [Fact]
    public void OverlappingSlicesLeaveTheLinearWhole()
    {
        var model = OnnxImporter.Import<double>(Model([0, 3, 8], [4, 7, 12]), "overlap.onnx");
        Assert.Contains(model.Graph.Nodes, n => n.Op is LinearOp { Out: 12 });
        Assert.Equal(3, model.Graph.Nodes.Count(n => n.Op is SliceOp));
    }
}
