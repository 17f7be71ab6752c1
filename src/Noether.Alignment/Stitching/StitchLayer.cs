using Noether.Tensors;
using Noether.Tensors.Autodiff;
using Noether.Tensors.Linalg;

namespace Noether.Alignment.Stitching;

/// <summary>
/// The trainable map of a stitching class on c channels: its parameters, the matrix M and bias it stands for (y = M·x + b
/// on the channel axis), the class's penalty, and the projection or rounding that keeps it in its class.
/// </summary>
internal sealed class StitchLayer
{
    private const int SinkhornIterations = 20;

    public StitchLayer(StitchClass cls, int channels, bool identity, Rng rng, double permutationPenalty)
    {
        Class = cls; Channels = channels; PermutationPenalty = permutationPenalty;
        int c = channels;
        Tensor<double> Eye() => Tensor<double>.Eye(c);
        switch (cls.Kind)
        {
            case StitchKind.Affine or StitchKind.L1:
                Parameters["weight"] = identity ? Eye() : Tensor<double>.RandomNormal(rng, 0.0, 1.0 / Math.Sqrt(c), c, c);
                Parameters["bias"] = Tensor<double>.Zeros(c);
                break;
            case StitchKind.LowRank:
                if (cls.Rank > c) throw new ArgumentException($"stitching class {cls}: rank {cls.Rank} exceeds the {c} channels of the layer");
                Parameters["u"] = Tensor<double>.RandomNormal(rng, 0.0, 1.0 / Math.Sqrt(c), c, cls.Rank);
                Parameters["v"] = Tensor<double>.RandomNormal(rng, 0.0, 1.0 / Math.Sqrt(cls.Rank), c, cls.Rank);
                if (identity) for (int i = 0; i < cls.Rank; i++) { Parameters["u"][i, i] = 1; Parameters["v"][i, i] = 1; }
                Parameters["bias"] = Tensor<double>.Zeros(c);
                break;
            case StitchKind.Orthogonal:
                Parameters["weight"] = identity ? Eye() : Linalg.Qr(Tensor<double>.RandomNormal(rng, c, c)).Q;
                break;
            case StitchKind.GRelu or StitchKind.Permutation:
                Parameters["logits"] = identity ? Tensor<double>.FromArray(Eye().ToArray().Select(v => 10 * v).ToArray(), c, c)
                    : Tensor<double>.RandomNormal(rng, 0.0, 0.1, c, c);
                if (cls.Kind == StitchKind.GRelu) Parameters["scale"] = Tensor<double>.Full(Math.Log(Math.E - 1), c); // softplus → 1
                break;
        }
    }

    public StitchClass Class { get; }
    public int Channels { get; }
    public double PermutationPenalty { get; }

    /// <summary>Sinkhorn temperature τ: the relaxation is Sinkhorn(exp(Z/τ)); τ → 0 tends to the permutation argmax.</summary>
    public double Temperature { get; set; } = 1.0;

    /// <summary>True for the classes with a relaxed permutation (G_ReLU, perm).</summary>
    public bool IsRelaxed => Class.Kind is StitchKind.GRelu or StitchKind.Permutation;

    /// <summary>Trainable tensors by name (updated in place by the optimiser).</summary>
    public Dictionary<string, Tensor<double>> Parameters { get; } = new();

    /// <summary>M, the bias (or null) and the penalty (or null) from the given parameter variables.</summary>
    /// <param name="rounded">Evaluation: a relaxed permutation is rounded to the nearest permutation (Hungarian).</param>
    public (Variable<double> M, Variable<double>? Bias, Variable<double>? Penalty) Build(IReadOnlyDictionary<string, Variable<double>> p, bool rounded)
    {
        switch (Class.Kind)
        {
            case StitchKind.Affine or StitchKind.Orthogonal:
                return (p["weight"], p.GetValueOrDefault("bias"), null);
            case StitchKind.L1:
                return (p["weight"], p["bias"], Ops.Scale(Ops.Sum(Ops.Abs(p["weight"])), Class.Lambda));
            case StitchKind.LowRank:
                return (Ops.MatMul(p["u"], Ops.Transpose(p["v"])), p["bias"], null);
            default:
                Variable<double> perm;
                Variable<double>? penalty = null;
                if (rounded) perm = Variable<double>.Constant(RoundedPermutation());
                else
                {
                    perm = Sinkhorn(p["logits"], Temperature);
                    // Σ P(1 − P) vanishes exactly on permutation matrices: it pushes the relaxation toward one.
                    var oneMinus = Ops.AddScalar(Ops.Neg(perm), 1.0);
                    penalty = Ops.Scale(Ops.Sum(Ops.Mul(perm, oneMinus)), PermutationPenalty / Channels);
                }
                if (Class.Kind == StitchKind.Permutation) return (perm, null, penalty);
                var s = Ops.Reshape(Ops.Softplus(p["scale"]), 1, Channels);
                return (Ops.Mul(perm, s), null, penalty); // P·diag(s): column j scaled by s_j
        }
    }

    /// <summary>After an optimiser step: an orthogonal map goes back to the nearest orthogonal matrix (polar factor).</summary>
    public void Project()
    {
        if (Class.Kind != StitchKind.Orthogonal) return;
        var (u, _, vt) = Linalg.Svd(Parameters["weight"]);
        Parameters["weight"].CopyFrom(u.MatMul(vt));
    }

    /// <summary>The matrix the layer applies at evaluation (rounded for relaxed permutations).</summary>
    public Tensor<double> EvaluationMatrix()
    {
        using var _ = GradMode.NoGrad();
        return Build(Parameters.ToDictionary(k => k.Key, k => Variable<double>.Constant(k.Value)), rounded: true).M.Value;
    }

    /// <summary>The Hungarian rounding of the relaxed permutation: the permutation matrix closest to the Sinkhorn output.</summary>
    public Tensor<double> RoundedPermutation()
    {
        var logits = Parameters["logits"];
        var a = LinearAssignment.Solve(logits, maximize: true);
        var m = Tensor<double>.Zeros(Channels, Channels);
        for (int i = 0; i < Channels; i++) m[i, a.RowToColumn[i]] = 1;
        return m;
    }

    /// <summary>Log-domain Sinkhorn: alternately normalise rows and columns of exp(Z/τ); the result is doubly stochastic.</summary>
    private static Variable<double> Sinkhorn(Variable<double> logits, double temperature)
    {
        var z = Ops.Scale(logits, 1 / temperature);
        for (int k = 0; k < SinkhornIterations; k++)
        {
            z = Ops.Sub(z, Ops.LogSumExp(z, 1, keepDims: true));
            z = Ops.Sub(z, Ops.LogSumExp(z, 0, keepDims: true));
        }
        return Ops.Exp(z);
    }

    /// <summary>Applies y = M·x + b on the channel axis of features [N, C], [N, C, H, W] or [N, …, C].</summary>
    public static Variable<double> Apply(Variable<double> x, Variable<double> m, Variable<double>? bias)
    {
        var shape = x.Value.ShapeArray();
        int c = m.Value.Dim(0);
        Variable<double> rows, y;
        if (shape.Length == 4)
        {
            rows = Ops.Reshape(Ops.Permute(x, 0, 2, 3, 1), -1, c);
            y = Ops.MatMul(rows, Ops.Transpose(m));
            if (bias is not null) y = Ops.Add(y, bias);
            return Ops.Permute(Ops.Reshape(y, shape[0], shape[2], shape[3], c), 0, 3, 1, 2);
        }
        rows = Ops.Reshape(x, -1, c);
        y = Ops.MatMul(rows, Ops.Transpose(m));
        if (bias is not null) y = Ops.Add(y, bias);
        return Ops.Reshape(y, shape);
    }
}
