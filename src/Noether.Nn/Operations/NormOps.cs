using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Batch normalisation over channel axis 1 of [N, C] or [N, C, H, W]. Training mode normalises with batch
/// statistics and updates the running buffers (momentum, unbiased variance, as PyTorch); eval mode uses the buffers.
/// </summary>
public sealed record BatchNormOp(int Features, double Eps = 1e-5, double Momentum = 0.1) : Op
{
    public override string Kind => "BatchNorm";

    public override IReadOnlyList<ParameterSlot> Parameters =>
    [
        new("weight", [Features], Initializer.Ones), new("bias", [Features], Initializer.Zeros),
        new("running_mean", [Features], Initializer.Zeros, Trainable: false), new("running_var", [Features], Initializer.Ones, Trainable: false),
    ];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        if ((s.Length != 1 && s.Length != 3) || s[0] != Features) throw new ShapeMismatchException(Kind, $"expects [{Features}] or [{Features}, H, W] per sample", s);
        return s;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> inputs)
    {
        var x = inputs[0];
        int rank = x.Value.Rank;
        int[] bshape = rank == 4 ? [1, Features, 1, 1] : [1, Features];
        Variable<T> mean, variance;
        if (c.Training && (rank == 2 || rank == 4))
        {
            // One fused node: batch statistics, normalisation, affine map and the closed-form backward pass.
            var (y, mu, sigma2) = Ops.BatchNorm(x, c.Parameter("weight"), c.Parameter("bias"), Eps);
            int count = x.Value.Length / Features;
            T mom = T.CreateChecked(Momentum);
            var runMean = c.Parameter("running_mean").Value; var runVar = c.Parameter("running_var").Value;
            c.SetBuffer("running_mean", runMean * (T.One - mom) + mu * mom);
            c.SetBuffer("running_var", runVar * (T.One - mom) + sigma2 * (mom * T.CreateChecked(count / Math.Max(1.0, count - 1))));
            return y;
        }
        if (c.Training)
        {
            mean = ReduceKeep(x, rank);
            var centered = x - mean;
            variance = ReduceKeep(Ops.Square(centered), rank);
            int n = x.Value.Length / Features;
            T m = T.CreateChecked(Momentum);
            var rm = c.Parameter("running_mean").Value; var rv = c.Parameter("running_var").Value;
            c.SetBuffer("running_mean", rm * (T.One - m) + mean.Value.Reshape(Features) * m);
            c.SetBuffer("running_var", rv * (T.One - m) + variance.Value.Reshape(Features) * (m * T.CreateChecked(n / Math.Max(1.0, n - 1))));
            var normalized = centered / Ops.Sqrt(variance + T.CreateChecked(Eps));
            return normalized * Ops.Reshape(c.Parameter("weight"), bshape) + Ops.Reshape(c.Parameter("bias"), bshape);
        }
        mean = Ops.Reshape(c.Parameter("running_mean"), bshape);
        variance = Ops.Reshape(c.Parameter("running_var"), bshape);
        return (x - mean) / Ops.Sqrt(variance + T.CreateChecked(Eps)) * Ops.Reshape(c.Parameter("weight"), bshape) + Ops.Reshape(c.Parameter("bias"), bshape);
    }

    private static Variable<T> ReduceKeep<T>(Variable<T> x, int rank) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var r = Ops.Mean(x, 0, keepDims: true);
        if (rank == 4) r = Ops.Mean(Ops.Mean(r, 3, keepDims: true), 2, keepDims: true);
        return r;
    }

    public override string Describe() => $"BatchNorm({Features}, eps {Eps}, momentum {Momentum})";
}

/// <summary>Layer normalisation over the last axis, with optional affine weight and bias.</summary>
public sealed record LayerNormOp(int Features, double Eps = 1e-5, bool Affine = true) : Op
{
    public override string Kind => "LayerNorm";

    public override IReadOnlyList<ParameterSlot> Parameters => Affine
        ? [new("weight", [Features], Initializer.Ones), new("bias", [Features], Initializer.Zeros)]
        : [];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (inputs[0].Length == 0 || inputs[0][^1] != Features) throw new ShapeMismatchException(Kind, $"expects a last axis of {Features}", inputs[0]);
        return inputs[0];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> inputs)
    {
        var x = inputs[0];
        var centered = x - Ops.Mean(x, -1, keepDims: true);
        var variance = Ops.Mean(Ops.Square(centered), -1, keepDims: true);
        var y = centered / Ops.Sqrt(variance + T.CreateChecked(Eps));
        return Affine ? y * c.Parameter("weight") + c.Parameter("bias") : y;
    }

    public override string Describe() => $"LayerNorm({Features}, eps {Eps}{(Affine ? "" : ", no affine")})";
}

/// <summary>
/// RMS normalisation over the last axis: x / √(mean(x²) + ε) · weight. Without <see cref="Affine"/> there is no gain
/// (as after folding it into the next layer), and the op commutes with every orthogonal map of its features.
/// </summary>
public sealed record RmsNormOp(int Features, double Eps = 1e-6, bool Affine = true) : Op
{
    public override string Kind => "RMSNorm";
    public override IReadOnlyList<ParameterSlot> Parameters => Affine ? [new("weight", [Features], Initializer.Ones)] : [];

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (inputs[0].Length == 0 || inputs[0][^1] != Features) throw new ShapeMismatchException(Kind, $"expects a last axis of {Features}", inputs[0]);
        return inputs[0];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> inputs)
    {
        var x = inputs[0];
        var rms = Ops.Sqrt(Ops.Mean(Ops.Square(x), -1, keepDims: true) + T.CreateChecked(Eps));
        return Affine ? x / rms * c.Parameter("weight") : x / rms;
    }

    public override string Describe() => $"RMSNorm({Features}, eps {Eps}{(Affine ? "" : ", no gain")})";
}
