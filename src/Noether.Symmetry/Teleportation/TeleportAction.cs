using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using Noether.Tensors.Linalg;

namespace Noether.Symmetry.Teleportation;

/// <summary>
/// The data-dependent action of GL(k) on a model's teleportable pairs (Zhao et al. 2022, eq. 8), at a fixed model and
/// batch x. For each pair x → V → σ → U with hidden pre-activation z = h·Vᵀ + b (h = V's input over the batch) and a
/// group element g = I + T:
/// <list type="bullet">
/// <item>U ← U·g⁻¹ (exact inverse, not the first-order U(I − T));</item>
/// <item>[V b] ← [V b] + Δᵀ·(H⁺)ᵀ with H = [h 1] (the ones column only when V has a bias) and
/// Δ = σ⁻¹(σ(z)·gᵀ) − z, so that σ(h·V'ᵀ + b') = σ(z)·gᵀ, i.e. every hidden vector becomes g·σ(z).</item>
/// </list>
/// This is Zhao et al.'s V ← σ⁻¹(g·σ(Vh))h⁺ written as a minimum-norm correction of V, so g = I leaves the model
/// untouched (their form also projects V onto the span of the data). The loss on x is unchanged exactly when H has full
/// row rank here (full column rank in the paper's column-sample layout): at most in (+1 with a bias) samples. A Linear
/// layer that is U of one pair and V of the next gets both updates, with every H taken from the forward pass at the
/// original weights. Outside the batch the function generally changes.
/// </summary>
public sealed class TeleportAction
{
    private readonly PairData[] _data;

    private sealed record PairData(TeleportPair Pair, Tensor<double> Z, Tensor<double> A, Tensor<double> PinvWeight, Tensor<double>? PinvBias);

    private TeleportAction(Model<double> model, IReadOnlyList<TeleportPair> pairs, PairData[] data, IReadOnlyList<string> inexact)
    {
        Model = model; Pairs = pairs; _data = data; Inexact = inexact;
    }

    /// <summary>The model the action starts from.</summary>
    public Model<double> Model { get; }

    /// <summary>The pairs acted on, in order; <see cref="Apply"/> takes one generator per pair.</summary>
    public IReadOnlyList<TeleportPair> Pairs { get; }

    /// <summary>One line per pair whose H lacks full row rank on this batch (the loss is then not preserved); empty when exact.</summary>
    public IReadOnlyList<string> Inexact { get; }

    /// <summary>
    /// Runs the model on <paramref name="x"/> and captures every pair's h, z and σ(z). With <paramref name="requireExact"/>
    /// a pair whose H lacks full row rank is an error naming the layer and the shape.
    /// </summary>
    public static TeleportAction Create(Model<double> model, Tensor<double> x, IReadOnlyList<TeleportPair> pairs, bool requireExact = true)
    {
        if (pairs.Count == 0) throw new ArgumentException($"Model '{model.Graph.Name}' has no teleportable pair (Linear → invertible activation → Linear)");
        ForwardPass<double> pass;
        using (GradMode.NoGrad()) pass = Executor.Forward(model, [x], training: false);
        var data = new PairData[pairs.Count];
        var inexact = new List<string>();
        for (int p = 0; p < pairs.Count; p++)
        {
            var pair = pairs[p];
            var node = model.Graph[pair.Inner];
            var op = (LinearOp)node.Op;
            var h = pass.Values[node.Inputs[0]].Value;
            int n = h.Dim(0);
            var augmented = op.Bias ? Tensor<double>.Ones(n, op.In + 1) : h.Contiguous();
            if (op.Bias) augmented.Slice(1, 0, op.In).CopyFrom(h);
            var pinv = Linalg.PseudoInverse(augmented);
            double residual = augmented.MatMul(pinv).MaxAbsDiff(Tensor<double>.Eye(n));
            if (residual > 1e-8)
            {
                string message = $"teleport: the input '{node.Inputs[0]}' of '{pair.Inner}' over the batch is {Shapes.Format(augmented.Shape)}{(op.Bias ? " (with a ones column for the bias)" : "")}, "
                    + $"not of full row rank (‖H·H⁺ − I‖ = {residual:G3}), so the hidden layer cannot be moved exactly; use at most {augmented.Dim(1)} samples";
                if (requireExact) throw new ArgumentException(message);
                inexact.Add(message);
            }
            data[p] = new PairData(pair, pass.Values[pair.Inner].Value.Contiguous(), pass.Values[pair.ActivationNode].Value.Contiguous(),
                pinv.Slice(0, 0, op.In).Contiguous(), op.Bias ? pinv.Slice(0, op.In, op.In + 1).Contiguous() : null);
        }
        return new TeleportAction(model, pairs.ToArray(), data, inexact);
    }

    /// <summary>
    /// The model moved by g_p = I + T_p on every pair p (T_p of shape [k, k]; I + T_p must be invertible). Parameters
    /// outside the pairs are shared with <see cref="Model"/>.
    /// </summary>
    public Model<double> Apply(IReadOnlyList<Tensor<double>> generators)
    {
        CheckGenerators(generators);
        using var _ = GradMode.NoGrad();
        var t = generators.Select(g => Variable<double>.Constant(g)).ToArray();
        var inv = generators.Select(g => Variable<double>.Constant(GroupInverse(g))).ToArray();
        return Model.WithParameters(Build(t, inv).ToDictionary(kv => kv.Key, kv => kv.Value.Value.Contiguous()));
    }

    /// <summary>(I + T)⁻¹.</summary>
    internal static Tensor<double> GroupInverse(Tensor<double> t)
    {
        var g = Tensor<double>.Eye(t.Dim(0)) + t;
        return Linalg.Inverse(g);
    }

    internal void CheckGenerators(IReadOnlyList<Tensor<double>> generators)
    {
        if (generators.Count != Pairs.Count)
            throw new ArgumentException($"teleport: {Pairs.Count} pair(s) ({string.Join("; ", Pairs)}) need {Pairs.Count} generator(s), got {generators.Count}");
        for (int p = 0; p < Pairs.Count; p++)
        {
            int k = Pairs[p].Width;
            if (generators[p].Rank != 2 || generators[p].Dim(0) != k || generators[p].Dim(1) != k)
                throw new ShapeMismatchException($"teleport generator T of pair {Pairs[p].Inner}", $"must be [{k}, {k}]", generators[p].ShapeArray(), [k, k]);
        }
    }

    /// <summary>
    /// The transformed parameters (only those the action changes) as differentiable functions of the generators
    /// <paramref name="t"/> and of the inverses <paramref name="inverse"/> = (I + T)⁻¹, which are separate leaves so
    /// the caller can chain d(g⁻¹) = −g⁻¹·dT·g⁻¹ (there is no inverse primitive in the autodiff).
    /// </summary>
    internal Dictionary<string, Variable<double>> Build(IReadOnlyList<Variable<double>> t, IReadOnlyList<Variable<double>> inverse)
    {
        var result = new Dictionary<string, Variable<double>>();
        Variable<double> Current(string name) => result.TryGetValue(name, out var v) ? v : Variable<double>.Constant(Model[name]);
        for (int p = 0; p < _data.Length; p++)
        {
            var d = _data[p];
            var a = Variable<double>.Constant(d.A);
            var moved = d.Pair.Inverse.Apply(a + Ops.MatMul(a, Ops.Transpose(t[p])));
            var delta = moved - Variable<double>.Constant(d.Z);
            string weight = $"{d.Pair.Inner}.weight";
            result[weight] = Current(weight) + Ops.Transpose(Ops.MatMul(Variable<double>.Constant(d.PinvWeight), delta));
            if (d.PinvBias is not null)
            {
                string bias = $"{d.Pair.Inner}.bias";
                result[bias] = Current(bias) + Ops.Reshape(Ops.MatMul(Variable<double>.Constant(d.PinvBias), delta), d.Pair.Width);
            }
        }
        for (int p = 0; p < _data.Length; p++)
        {
            string weight = $"{_data[p].Pair.Outer}.weight";
            result[weight] = Ops.MatMul(Current(weight), inverse[p]);
        }
        return result;
    }
}
