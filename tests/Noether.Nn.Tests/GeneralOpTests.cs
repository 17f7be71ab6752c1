using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>
/// The general-purpose ops that ONNX import needs: a float64 finite-difference gradient check each (inputs and
/// parameters), a forward check against values computed by hand, and a JSON round trip.
/// </summary>
public class GeneralOpTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> OpNames => new()
    {
        "BinaryAdd", "BinarySubBroadcast", "BinaryMul", "BinaryDiv", "BinaryPow", "BinaryMax", "BinaryMin",
        "ParameterAdd", "ParameterSubFirst", "ParameterMulChannel", "ParameterDivFirst",
        "ScalarPow", "ScalarAdd", "ScalarDivFirst", "ScalarPowFirst",
        "UnarySqrt", "UnaryExp", "UnaryLog", "UnaryNeg", "UnaryReciprocal", "UnaryErf", "UnarySin", "UnaryCos",
        "MatMul", "MatMulBroadcast", "Transpose", "PadConstant", "PadReflect", "PadEdgeCrop",
        "Slice", "SliceNegativeStep", "Gather", "GatherScalarIndex", "Where", "WhereScalar", "Expand", "BroadcastParameter",
    };

    internal static Graph Single(string name)
    {
        var b = new GraphBuilder(name);
        ValueId v;
        // Square roots, logs and reciprocals need inputs away from 0; ScalarPowFirst and BinaryPow positive bases.
        ValueId Positive(ValueId x, string n) => b.Add(new ScalarBinaryOp(BinaryFunction.Add, 3.0), n, b.Activation(x, Activation.Abs, n + "_abs"));
        switch (name)
        {
            case "BinaryAdd": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Add), "op", b.Input("x", 2, 3), b.Input("y", 2, 3)); break;
            case "BinarySubBroadcast": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Sub), "op", b.Input("x", 2, 3), b.Input("y", 3)); break;
            case "BinaryMul": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Mul), "op", b.Input("x", 4), b.Input("y", 1)); break;
            case "BinaryDiv": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Div), "op", b.Input("x", 4), Positive(b.Input("y", 4), "pos")); break;
            case "BinaryPow": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Pow), "op", Positive(b.Input("x", 4), "pos"), b.Input("y", 4)); break;
            case "BinaryMax": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Max), "op", b.Input("x", 5), b.Input("y", 5)); break;
            case "BinaryMin": v = b.Add(new ElementwiseBinaryOp(BinaryFunction.Min), "op", b.Input("x", 5), b.Input("y", 5)); break;
            case "ParameterAdd": v = b.Add(new ParameterBinaryOp(BinaryFunction.Add, [3], Role: "bias"), "op", b.Input("x", 2, 3)); break;
            case "ParameterSubFirst": v = b.Add(new ParameterBinaryOp(BinaryFunction.Sub, [2, 3], ParameterFirst: true), "op", b.Input("x", 2, 3)); break;
            case "ParameterMulChannel": v = b.Add(new ParameterBinaryOp(BinaryFunction.Mul, [2, 1, 1]), "op", b.Input("x", 2, 3, 3)); break;
            case "ParameterDivFirst": v = b.Add(new ParameterBinaryOp(BinaryFunction.Div, [4], ParameterFirst: true), "op", Positive(b.Input("x", 4), "pos")); break;
            case "ScalarPow": v = b.Add(new ScalarBinaryOp(BinaryFunction.Pow, 2.0), "op", b.Input("x", 4)); break;
            case "ScalarAdd": v = b.Add(new ScalarBinaryOp(BinaryFunction.Add, 1e-5), "op", b.Input("x", 4)); break;
            case "ScalarDivFirst": v = b.Add(new ScalarBinaryOp(BinaryFunction.Div, 2.0, ScalarFirst: true), "op", Positive(b.Input("x", 4), "pos")); break;
            case "ScalarPowFirst": v = b.Add(new ScalarBinaryOp(BinaryFunction.Pow, 1.5, ScalarFirst: true), "op", b.Input("x", 4)); break;
            case "UnarySqrt" or "UnaryLog" or "UnaryReciprocal":
                v = b.Add(new ElementwiseUnaryOp(Enum.Parse<UnaryFunction>(name["Unary".Length..])), "op", Positive(b.Input("x", 5), "pos")); break;
            case var u when u.StartsWith("Unary"): v = b.Add(new ElementwiseUnaryOp(Enum.Parse<UnaryFunction>(name["Unary".Length..])), "op", b.Input("x", 5)); break;
            case "MatMul": v = b.Add(new MatMulOp(), "op", b.Input("a", 2, 3), b.Input("b", 3, 4)); break;
            case "MatMulBroadcast": v = b.Add(new MatMulOp(), "op", b.Input("a", 2, 2, 3), b.Input("b", 3, 2)); break;
            case "Transpose": v = b.Add(new TransposeOp([2, 0, 1]), "op", b.Input("x", 2, 3, 4)); break;
            case "PadConstant": v = b.Add(new PadOp([1, 0, 2, 1], PadMode.Constant, 0.5), "op", b.Input("x", 2, 3)); break;
            case "PadReflect": v = b.Add(new PadOp([0, 2, 1, 1], PadMode.Reflect), "op", b.Input("x", 2, 4)); break;
            case "PadEdgeCrop": v = b.Add(new PadOp([1, -1, 2, 0], PadMode.Edge), "op", b.Input("x", 2, 4)); break;
            case "Slice": v = b.Add(new SliceOp([1], [1], [long.MaxValue], [2]), "op", b.Input("x", 2, 5)); break;
            case "SliceNegativeStep": v = b.Add(new SliceOp([0, 1], [-1, 3], [-100, 0], [-1, -2]), "op", b.Input("x", 3, 5)); break;
            case "Gather": v = b.Add(new GatherOp(1, [2, -1, 0, 2], [2, 2]), "op", b.Input("x", 2, 4)); break;
            case "GatherScalarIndex": v = b.Add(new GatherOp(0, [1], []), "op", b.Input("x", 3, 2)); break;
            case "Where": v = b.Add(new WhereOp([2, 3]), "op", b.Input("x", 2, 3), b.Input("y", 3)); break;
            case "WhereScalar": v = b.Add(new WhereOp([3], ScalarB: double.NegativeInfinity), "op", b.Input("x", 2, 3)); break;
            case "Expand": v = b.Add(new ExpandOp([3, 1, 4]), "op", b.Input("x", 2, 1)); break;
            case "BroadcastParameter":
                {
                    // The broadcast token is concatenated with the input, as a ViT prepends its class token.
                    var x = b.Input("x", 3, 4);
                    v = b.Add(new ConcatOp(0), "op", b.Add(new BroadcastParameterOp([1, 4]), "cls", x), x);
                    break;
                }
            default: throw new ArgumentException(name);
        }
        return b.Build(v);
    }

    [Theory, MemberData(nameof(OpNames))]
    public void OpPassesFiniteDifferenceCheck(string name)
    {
        var graph = Single(name);
        var r = GradCheckWithMixedBuffers(graph);
        Assert.True(r.MaxRelativeError <= Tolerance, $"{name}: max relative error {r.MaxRelativeError:E3} (analytic {r.Analytic}, numeric {r.Numeric}, at {r.Worst})");
    }

    /// <summary>
    /// As <see cref="ModelGradCheck.Run"/>, but buffers (a Where condition) are drawn as a random 0/1 mix so that both
    /// branches receive gradient.
    /// </summary>
    private static Tensors.Autodiff.GradCheckResult GradCheckWithMixedBuffers(Graph graph)
    {
        var rng = new Rng(1);
        var model = Model<double>.Initialize(graph, rng);
        var buffers = graph.Parameters.Where(p => !p.Trainable)
            .ToDictionary(p => p.Name, p => Tensor<double>.RandomUniform(rng, 0.0, 1.0, p.Shape).Map(u => u < 0.5 ? 0.0 : 1.0));
        if (buffers.Count > 0) model = model.WithParameters(buffers);
        var trainable = graph.Parameters.Where(p => p.Trainable).ToArray();
        var tensors = graph.Inputs.Select(i => Tensor<double>.RandomNormal(rng, [3, .. i.Shape]).Map(x => x + Math.Sign(x) * 0.05)).ToList();
        tensors.AddRange(trainable.Select(p => model[p.Name] + Tensor<double>.RandomNormal(rng, 0.0, 0.3, p.Shape)));
        int inputs = graph.Inputs.Count;
        return Tensors.Autodiff.GradCheck.Run(vars =>
        {
            var overrides = trainable.Select((p, i) => (p.Name, V: vars[inputs + i])).ToDictionary(t => t.Name, t => t.V);
            return Executor.Forward(model, vars.Take(inputs).ToArray(), training: false, parameterOverrides: overrides).Outputs[0];
        }, tensors.ToArray());
    }

    [Theory, MemberData(nameof(OpNames))]
    public void OpRoundTripsThroughJson(string name)
    {
        var graph = Single(name);
        var back = GraphJson.Deserialize(GraphJson.Serialize(graph));
        Assert.Equal(graph.Nodes, back.Nodes);
    }

    [Fact]
    public void RearrangingOpsMoveTheRightElements()
    {
        var x = Tensor<double>.FromArray([1, 2, 3, 4, 5, 6], 1, 2, 3);
        double[] Run(Op op)
        {
            var b = new GraphBuilder();
            var g = b.Build(b.Add(op, "op", b.Input("x", 2, 3)));
            return Model<double>.Initialize(g, new Rng(0)).Predict(x)[0].ToArray();
        }
        Assert.Equal([1, 4, 2, 5, 3, 6], Run(new TransposeOp([1, 0])));
        Assert.Equal([0, 1, 2, 3, 0, 0, 4, 5, 6, 0], Run(new PadOp([0, 1, 0, 1])));
        Assert.Equal([2, 1, 2, 3, 2, 5, 4, 5, 6, 5], Run(new PadOp([0, 1, 0, 1], PadMode.Reflect)));
        Assert.Equal([1, 1, 2, 3, 3, 4, 4, 5, 6, 6], Run(new PadOp([0, 1, 0, 1], PadMode.Edge)));
        Assert.Equal([6, 4, 3, 1], Run(new SliceOp([0, 1], [-1, 100], [-100, -100], [-1, -2])));
        Assert.Equal([3, 1, 6, 4], Run(new GatherOp(1, [-1, 0], [2])));
        Assert.Equal([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], Run(new ExpandOp([2, 1, 1])));
    }

    [Fact]
    public void MisfitsNameTheOpAndShapes()
    {
        var b = new GraphBuilder();
        var e = Assert.Throws<ShapeMismatchException>(() => b.Add(new TransposeOp([0, 0]), "t", b.Input("x", 2, 3)));
        Assert.Contains("t (Transpose)", e.Message);
        Assert.Throws<ShapeMismatchException>(() => b.Add(new ElementwiseBinaryOp(BinaryFunction.Add), "add", b.Input("y", 2), b.Input("z", 3)));
        Assert.Throws<ShapeMismatchException>(() => b.Add(new MatMulOp(), "mm", b.Input("p", 2, 3), b.Input("q", 2, 3)));
        Assert.Throws<ShapeMismatchException>(() => b.Add(new GatherOp(0, [5], [1]), "g", b.Input("r", 3)));
        Assert.Throws<ShapeMismatchException>(() => b.Add(new PadOp([3, 0], PadMode.Reflect), "p2", b.Input("s", 3)));
    }
}
