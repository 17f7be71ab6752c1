using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary>
/// Resize, ConvTranspose2d and the recurrent layers: a float64 finite-difference gradient check each (inputs and
/// parameters), forward values against naive reference loops, and a JSON round trip.
/// </summary>
public class LayerOpTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> OpNames => new()
    {
        "ResizeNearest", "ResizeNearestDown", "ResizeLinear", "ResizeLinearAlignCorners", "ResizeLinearDown",
        "ConvTranspose2d", "ConvTranspose2dStrided", "ConvTranspose2dGroupsDilated", "ConvTranspose2dCropped",
        "Lstm", "LstmReverseInitialState", "LstmBidirectionalPeepholesCell", "Gru", "GruBidirectionalLinearBeforeReset", "GruReverseInitialState",
    };

    internal static Graph Single(string name)
    {
        var b = new GraphBuilder(name);
        ValueId v = name switch
        {
            "ResizeNearest" => b.Add(new ResizeOp(6, 5, 2, 5 / 3.0, ResizeMode.Nearest, ResizeCoordinates.Asymmetric, NearestRounding.Floor), "op", b.Input("x", 2, 3, 3)),
            "ResizeNearestDown" => b.Add(new ResizeOp(2, 3, 0.5, 0.6, ResizeMode.Nearest, ResizeCoordinates.HalfPixel, NearestRounding.RoundPreferCeil), "op", b.Input("x", 2, 4, 5)),
            "ResizeLinear" => b.Add(new ResizeOp(7, 8, 7 / 3.0, 2, ResizeMode.Linear), "op", b.Input("x", 2, 3, 4)),
            "ResizeLinearAlignCorners" => b.Add(new ResizeOp(5, 1, 5 / 3.0, 0.25, ResizeMode.Linear, ResizeCoordinates.AlignCorners), "op", b.Input("x", 1, 3, 4)),
            "ResizeLinearDown" => b.Add(new ResizeOp(3, 2, 0.6, 0.5, ResizeMode.Linear, ResizeCoordinates.PytorchHalfPixel), "op", b.Input("x", 2, 5, 4)),
            "ConvTranspose2d" => b.Add(new ConvTranspose2dOp(3, 2, 3, 3, Conv2dOptions.Default), "op", b.Input("x", 3, 4, 3)),
            "ConvTranspose2dStrided" => b.Add(new ConvTranspose2dOp(2, 3, 3, 2, new Conv2dOptions(2, 3, 1, 0), 1, 2), "op", b.Input("x", 2, 3, 3)),
            "ConvTranspose2dGroupsDilated" => b.Add(new ConvTranspose2dOp(4, 6, 2, 3, new Conv2dOptions(2, 1, 1, 1, 2, 1, 2), Bias: false), "op", b.Input("x", 4, 3, 4)),
            "ConvTranspose2dCropped" => b.Add(new ConvTranspose2dOp(2, 2, 3, 3, new Conv2dOptions(2, 2, 0, 1), -1, -2), "op", b.Input("x", 2, 3, 3)),
            "Lstm" => b.Add(new LstmOp(3, 4), "op", b.Input("x", 5, 3)),
            "LstmReverseInitialState" => b.Add(new LstmOp(2, 3, RecurrentDirection.Reverse, InitialState: true), "op", b.Input("x", 4, 2)),
            "LstmBidirectionalPeepholesCell" => b.Add(new LstmOp(3, 2, RecurrentDirection.Bidirectional, Peepholes: true, InitialState: true, FinalCellState: true), "op", b.Input("x", 3, 3)),
            "Gru" => b.Add(new GruOp(3, 4), "op", b.Input("x", 5, 3)),
            "GruBidirectionalLinearBeforeReset" => b.Add(new GruOp(2, 3, RecurrentDirection.Bidirectional, LinearBeforeReset: true), "op", b.Input("x", 4, 2)),
            "GruReverseInitialState" => b.Add(new GruOp(3, 2, RecurrentDirection.Reverse, InitialState: true), "op", b.Input("x", 3, 3)),
            _ => throw new ArgumentException(name),
        };
        return b.Build(v);
    }

    [Theory, MemberData(nameof(OpNames))]
    public void OpPassesFiniteDifferenceCheck(string name)
    {
        var r = GradCheckWithRandomBuffers(Single(name));
        Assert.True(r.MaxRelativeError <= Tolerance, $"{name}: max relative error {r.MaxRelativeError:E3} (analytic {r.Analytic}, numeric {r.Numeric}, at {r.Worst})");
    }

    /// <summary>As <see cref="ModelGradCheck.Run"/>, with buffers (stored initial states) drawn at random, not zero.</summary>
    private static Tensors.Autodiff.GradCheckResult GradCheckWithRandomBuffers(Graph graph)
    {
        var rng = new Rng(1);
        var model = Model<double>.Initialize(graph, rng);
        var buffers = graph.Parameters.Where(p => !p.Trainable).ToDictionary(p => p.Name, p => Tensor<double>.RandomNormal(rng, p.Shape));
        if (buffers.Count > 0) model = model.WithParameters(buffers);
        var trainable = graph.Parameters.Where(p => p.Trainable).ToArray();
        var tensors = graph.Inputs.Select(i => Tensor<double>.RandomNormal(rng, [2, .. i.Shape])).ToList();
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
        Assert.Equal(graph.Nodes.Select(n => n.Op.Describe()), back.Nodes.Select(n => n.Op.Describe()));
    }

    [Fact]
    public void ResizeMatchesHandComputedValues()
    {
        // A 1×2×2 image [[1, 2], [3, 4]] doubled.
        var x = Tensor<double>.FromArray([1, 2, 3, 4], 1, 1, 2, 2);
        double[] Run(ResizeOp op)
        {
            var b = new GraphBuilder();
            return Model<double>.Initialize(b.Build(b.Add(op, "op", b.Input("x", 1, 2, 2))), new Rng(1)).Predict(x)[0].ToArray();
        }
        Assert.Equal([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], Run(new ResizeOp(4, 4, 2, 2)));
        // Half-pixel linear: rows/columns read 0, 0.25, 0.75, 1 (clamped at the edges).
        var linear = Run(new ResizeOp(4, 4, 2, 2, ResizeMode.Linear));
        double[] w = [0, 0.25, 0.75, 1];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(1 + w[j] + 2 * w[i], linear[i * 4 + j], 12);
        // Align corners onto 3×3: the centre is the mean of all four.
        Assert.Equal([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], Run(new ResizeOp(3, 3, 1.5, 1.5, ResizeMode.Linear, ResizeCoordinates.AlignCorners)));
        // Asymmetric nearest downsampling by 0.5 keeps the top-left pixel.
        Assert.Equal([1], Run(new ResizeOp(1, 1, 0.5, 0.5, ResizeMode.Nearest, ResizeCoordinates.Asymmetric)));
    }

    [Theory]
    [InlineData(1, 1, 0, 0, 1, 1, 0, 0)]
    [InlineData(2, 1, 1, 0, 1, 1, 1, 0)]
    [InlineData(3, 2, 1, 2, 2, 1, -1, 1)]
    [InlineData(2, 2, 0, 1, 1, 2, 0, -2)]
    public void ConvTransposeMatchesANaiveScatter(int sh, int sw, int ph, int pw, int dh, int groups, int oph, int opw)
    {
        int n = 2, c = 2 * groups, o = 3 * groups, h = 3, w = 4, kh = 3, kw = 2;
        var rng = new Rng(5);
        var x = Tensor<double>.RandomNormal(rng, [n, c, h, w]);
        var wt = Tensor<double>.RandomNormal(rng, [c, o / groups, kh, kw]);
        var bias = Tensor<double>.RandomNormal(rng, [o]);
        var options = new Conv2dOptions(sh, sw, ph, pw, dh, 1, groups);
        var op = new ConvTranspose2dOp(c, o, kh, kw, options, oph, opw);
        var shape = op.InferShape([[c, h, w]]);
        int oh = shape[1], ow = shape[2];
        Assert.Equal((h - 1) * sh - 2 * ph + dh * (kh - 1) + 1 + oph, oh);
        var expected = new double[n, o, oh, ow];
        int cg = c / groups, og = o / groups;
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        for (int q = 0; q < og; q++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int y = i * sh - ph + u * dh, z = j * sw - pw + v;
                                    if (y >= 0 && y < oh && z >= 0 && z < ow) expected[b, ci / cg * og + q, y, z] += x[b, ci, i, j] * wt[ci, q, u, v];
                                }
        var actual = TransposedConvolution.ConvTranspose2d(x, wt, bias, options, oh, ow);
        for (int b = 0; b < n; b++)
            for (int q = 0; q < o; q++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        Assert.Equal(expected[b, q, i, j] + bias[q], actual[b, q, i, j], 10);
    }

    [Fact]
    public void MisfitInputsAreRejectedWithShapes()
    {
        var b = new GraphBuilder();
        Assert.Throws<ShapeMismatchException>(() => b.Add(new ResizeOp(4, 4, 2, 2), "r", b.Input("x", 3, 2)));
        Assert.Throws<ShapeMismatchException>(() => b.Add(new ResizeOp(0, 4, 2, 2), "r2", b.Input("y", 1, 2, 2)));
        var e = Assert.Throws<ShapeMismatchException>(() => b.Add(new ConvTranspose2dOp(3, 2, 3, 3, Conv2dOptions.Default), "t", b.Input("z", 2, 4, 4)));
        Assert.Contains("3 input channels", e.Message);
        Assert.Throws<ShapeMismatchException>(() => b.Add(new ConvTranspose2dOp(2, 2, 1, 1, new Conv2dOptions(1, 1, 1, 1)), "t2", b.Input("u", 2, 1, 1)));
    }
}
