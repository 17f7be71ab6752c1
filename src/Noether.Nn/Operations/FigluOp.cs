using System.Collections.Concurrent;
using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// The σ-asymmetric nonlinearity FiGLU (Lim et al., NeurIPS 2024): σ(x) = sigmoid(F·x) ⊙ x over the channel axis
/// (the last axis, or axis 0 of [C, H, W] samples) with a fixed random F [C, C], entries N(0, Gain²/C). F follows
/// from <see cref="Seed"/> alone (the project's <see cref="Rng"/>), so the op record rebuilds it bit for bit; it has
/// no parameters. F mixes channels, so no permutation or scaling of the channels commutes with it.
/// </summary>
/// <param name="Channels">Channels C.</param>
/// <param name="Seed">Seed of F.</param>
/// <param name="Gain">Scale of F's entries (standard deviation Gain/√C).</param>
public sealed record FigluOp(int Channels, ulong Seed, double Gain = 1) : Op
{
    private static readonly ConcurrentDictionary<(int, ulong, double), double[]> s_matrices = new();
    private static readonly ConcurrentDictionary<(int, ulong, double, Type, bool), object> s_typed = new();

    public override string Kind => "Figlu";

    /// <summary>F [C, C] row-major, as doubles (cached).</summary>
    public double[] Matrix() => s_matrices.GetOrAdd((Channels, Seed, Gain), k =>
    {
        var rng = new Rng(k.Item2);
        var f = new double[k.Item1 * k.Item1];
        double std = k.Item3 / Math.Sqrt(k.Item1);
        for (int i = 0; i < f.Length; i++) f[i] = rng.NextNormal() * std;
        return f;
    });

    /// <summary>F as a tensor: [C, C] for channels-last inputs, [C, C, 1, 1] (a 1×1 kernel) for [C, H, W] inputs.</summary>
    public Tensor<T> MatrixTensor<T>(bool asKernel) where T : unmanaged, IFloatingPointIeee754<T>
        => (Tensor<T>)s_typed.GetOrAdd((Channels, Seed, Gain, typeof(T), asKernel), _ =>
            Tensor<T>.FromArray(Matrix().Select(T.CreateChecked).ToArray(), asKernel ? [Channels, Channels, 1, 1] : [Channels, Channels]));

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        if (Channels < 1) throw new ShapeMismatchException(Kind, $"channels must be positive, got {Channels}", s);
        if (!double.IsFinite(Gain)) throw new ShapeMismatchException(Kind, $"gain must be finite, got {Gain}", s);
        if (s.Length == 0) throw new ShapeMismatchException(Kind, "expects a channel axis", s);
        int c = s.Length == 3 ? s[0] : s[^1];
        if (c != Channels) throw new ShapeMismatchException(Kind, $"expects {Channels} channels (axis {(s.Length == 3 ? 0 : s.Length - 1)})", s, [Channels, Channels]);
        return (int[])s.Clone();
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var v = x[0];
        bool image = v.Value.Rank == 4;
        var gate = image
            ? Ops.Conv2d(v, Variable<T>.Constant(MatrixTensor<T>(asKernel: true)), null, Conv2dOptions.Default)
            : Ops.MatMul(v, Ops.Transpose(Variable<T>.Constant(MatrixTensor<T>(asKernel: false))));
        return Ops.Sigmoid(gate) * v;
    }

    public override string Describe() => $"FiGLU({Channels}, seed {Seed}{(Gain == 1 ? "" : $", gain {Gain}")})";
}
