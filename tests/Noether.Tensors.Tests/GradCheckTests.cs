using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Tensors.Tests;

/// <summary>Every differentiable op against central finite differences in float64 (max relative error ≤ 1e-6).</summary>
public class GradCheckTests
{
    private const double Tolerance = 1e-6;
    private static readonly Rng R = new(42);

    private static Tensor<double> N(params int[] shape) => Tensor<double>.RandomNormal(R, shape);
    /// <summary>Normal samples pushed away from 0 so kinks (ReLU, abs) are not straddled by the finite difference.</summary>
    private static Tensor<double> AwayFromZero(params int[] shape) => N(shape).Map(v => v + Math.Sign(v) * 0.1);
    private static Tensor<double> Positive(params int[] shape) => N(shape).Abs() + 0.5;

    private static void Check(Func<V[], V> f, params Tensor<double>[] inputs)
    {
        var r = GradCheck.Run(f, inputs);
        Assert.True(r.MaxRelativeError <= Tolerance, $"max relative error {r.MaxRelativeError:E3} at input {r.Worst.Input} element {r.Worst.Element}: analytic {r.Analytic}, numeric {r.Numeric}");
    }

    public static TheoryData<string> UnaryNames => new() { "Neg", "Exp", "Log", "Sqrt", "Abs", "Square", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Gelu", "Silu", "Softplus", "Pow", "Scale", "AddScalar", "Map" };

    [Theory, MemberData(nameof(UnaryNames))]
    public void Unary(string name)
    {
        Func<V, V> op = name switch
        {
            "Neg" => Ops.Neg, "Exp" => Ops.Exp, "Log" => Ops.Log, "Sqrt" => Ops.Sqrt, "Abs" => Ops.Abs, "Square" => Ops.Square,
            "Tanh" => Ops.Tanh, "Sigmoid" => Ops.Sigmoid, "Relu" => Ops.Relu, "LeakyRelu" => x => Ops.LeakyRelu(x, 0.1),
            "Gelu" => Ops.Gelu, "Silu" => Ops.Silu, "Softplus" => Ops.Softplus, "Pow" => x => Ops.Pow(x, 2.5),
            "Scale" => x => Ops.Scale(x, -1.7), "AddScalar" => x => Ops.AddScalar(x, 3.0),
            "Map" => x => Ops.Map(x, v => Math.Sin(v), v => Math.Cos(v)),
            _ => throw new ArgumentException(name),
        };
        bool needsPositive = name is "Log" or "Sqrt" or "Pow";
        var x = needsPositive ? Positive(3, 4) : AwayFromZero(3, 4);
        Check(v => op(v[0]), x);
        // The same op on a strided (transposed) view.
        Check(v => op(Ops.Transpose(v[0])), x);
    }

    public static TheoryData<string, int[], int[]> BinaryCases()
    {
        var d = new TheoryData<string, int[], int[]>();
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Maximum" })
        {
            d.Add(op, [3, 4], [3, 4]);
            d.Add(op, [3, 4], [4]);
            d.Add(op, [2, 1, 4], [3, 1]);
            d.Add(op, [1], [2, 3]);
        }
        return d;
    }

    [Theory, MemberData(nameof(BinaryCases))]
    public void BinaryWithBroadcasting(string name, int[] shapeA, int[] shapeB)
    {
        Func<V, V, V> op = name switch
        {
            "Add" => Ops.Add, "Sub" => Ops.Sub, "Mul" => Ops.Mul, "Div" => Ops.Div, "Maximum" => Ops.Maximum,
            _ => throw new ArgumentException(name),
        };
        var b = name == "Div" ? Positive(shapeB) : N(shapeB);
        Check(v => op(v[0], v[1]), N(shapeA), b);
    }

    [Fact]
    public void SameVariableUsedTwice() => Check(v => v[0] * v[0] + Ops.Exp(v[0]), N(2, 3));

    [Fact]
    public void Reductions()
    {
        var x = N(2, 3, 4);
        Check(v => Ops.Sum(v[0]), x);
        Check(v => Ops.Sum(v[0], 1), x);
        Check(v => Ops.Sum(v[0], -1, keepDims: true), x);
        Check(v => Ops.Mean(v[0]), x);
        Check(v => Ops.Mean(v[0], 0), x);
        Check(v => Ops.Max(v[0], 2), x);
        Check(v => Ops.LogSumExp(v[0], 1), x);
        Check(v => Ops.Softmax(v[0], -1), x);
        Check(v => Ops.Softmax(v[0], 1), x);
        Check(v => Ops.LogSoftmax(v[0], -1), x);
        Check(v => Ops.LogSoftmax(v[0], 0), x);
    }

    [Fact]
    public void ShapeOps()
    {
        var x = N(2, 3, 4);
        Check(v => Ops.Reshape(v[0], 4, -1), x);
        var weights = Variable<double>.Constant(N(4, 2, 3));
        Check(v => Ops.Permute(v[0], 2, 0, 1) * weights, x);
        Check(v => Ops.Slice(v[0], 2, 1, 4, 2), x);
        Check(v => Ops.Slice(Ops.Transpose(v[0], 0, 2), 0, 0, 3), x);
        Check(v => Ops.BroadcastTo(v[0], 5, 2, 3, 4), x);
        Check(v => Ops.Concat([v[0], v[1]], 1), x, N(2, 2, 4));
        Check(v => Ops.Gather(v[0], [2, 0, 2, 1]), N(3, 5));
        Check(v => Ops.PickColumns(v[0], [2, 0, 4]), N(3, 5));
        Check(v => Ops.ScatterAddRows(v[0], [2, 0, 2, 4], 5), N(4, 3));
    }

    [Fact]
    public void MatMulIncludingBatchBroadcastAndStridedViews()
    {
        Check(v => Ops.MatMul(v[0], v[1]), N(3, 4), N(4, 5));
        Check(v => Ops.MatMul(v[0], v[1]), N(2, 3, 4), N(4, 5));
        Check(v => Ops.MatMul(v[0], v[1]), N(2, 1, 3, 4), N(3, 4, 2));
        Check(v => Ops.MatMul(Ops.Transpose(v[0]), Ops.Slice(v[1], 1, 0, 6, 2)), N(4, 3), N(4, 6));
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 1)]
    [InlineData(1, 1, 1, 2)]
    [InlineData(2, 1, 1, 4)]
    public void Conv2d(int stride, int pad, int dilation, int groups)
    {
        var opts = Conv2dOptions.Square(stride, pad, dilation, groups);
        Check(v => Ops.Conv2d(v[0], v[1], v[2], opts), N(2, 4, 6, 5), N(4, 4 / groups, 3, 2), N(4));
        Check(v => Ops.Conv2d(v[0], v[1], null, opts), N(1, 4, 5, 5), N(2 * groups, 4 / groups, 2, 2));
    }

    [Fact]
    public void Conv2dOnStridedInput() =>
        Check(v => Ops.Conv2d(Ops.Permute(v[0], 0, 3, 1, 2), v[1], null, Conv2dOptions.Default), N(2, 5, 6, 3), N(2, 3, 2, 2));

    [Fact]
    public void Pooling()
    {
        // Distinct values so the max is unique and finite differences never swap the winner.
        var x = Tensor<double>.FromArray(R.Permutation(2 * 3 * 6 * 5).Select(i => i * 0.1).ToArray(), 2, 3, 6, 5);
        Check(v => Ops.MaxPool2d(v[0], Pool2dOptions.Square(2)), x);
        Check(v => Ops.MaxPool2d(v[0], new Pool2dOptions(3, 3, 2, 2, 1, 1)), x);
        Check(v => Ops.AvgPool2d(v[0], Pool2dOptions.Square(2)), N(2, 3, 6, 5));
        Check(v => Ops.AvgPool2d(v[0], new Pool2dOptions(3, 3, 2, 2, 1, 1)), N(2, 3, 6, 5));
        Check(v => Ops.AvgPool2d(v[0], new Pool2dOptions(3, 3, 2, 2, 1, 1, CountIncludePad: true)), N(2, 3, 6, 5));
    }

    [Fact]
    public void GradCheckDetectsAWrongRule()
    {
        // A deliberately wrong derivative must be caught: the check can fail.
        var r = GradCheck.Run(v => Ops.Map(v[0], Math.Sin, x => 1.01 * Math.Cos(x)), [N(3)]);
        Assert.True(r.MaxRelativeError > 1e-3);
    }

    [Fact]
    public void NoGradScopeRecordsNothing()
    {
        var p = Variable<double>.Parameter(N(2, 2));
        using (GradMode.NoGrad())
        {
            var y = Ops.Exp(p);
            Assert.False(y.RequiresGrad);
        }
        Assert.True(Ops.Exp(p).RequiresGrad);
    }
}
