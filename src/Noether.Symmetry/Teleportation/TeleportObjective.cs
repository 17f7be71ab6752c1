using Noether.Nn;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Symmetry.Teleportation;

/// <summary>The loss and its gradient over every trainable parameter at one point.</summary>
/// <param name="Loss">L(θ).</param>
/// <param name="Gradient">∂L/∂θ by parameter name (zeros for parameters the loss does not reach).</param>
public sealed record LossGradient(double Loss, IReadOnlyDictionary<string, Tensor<double>> Gradient)
{
    /// <summary>‖∇L‖ over all trainable parameters.</summary>
    public double GradientNorm => Math.Sqrt(Gradient.Values.Sum(g => SquaredNorm(g)));

    internal static double SquaredNorm(Tensor<double> t) { double s = 0; foreach (var v in t.Contiguous().Span) s += v * v; return s; }
}

/// <summary>
/// The teleportation objective ‖∇L(g·θ)‖² and its gradient with respect to the generators T (g = I + T) of every pair.
/// <para>
/// Chain rule: ∂‖∇L‖²/∂T = J(T)ᵀ·v with v = 2·H·∇L, J the Jacobian of T ↦ θ(T) (<see cref="TeleportAction"/>).
/// H·∇L is a central finite difference of the gradient along ∇L, (∇L(θ + εu) − ∇L(θ − εu))·‖∇L‖ / 2ε with
/// u = ∇L/‖∇L‖ and ε = <c>fdStep</c>·max(1, ‖θ‖) (three backward passes in all); J(T)ᵀ·v is one reverse-mode pass
/// through the construction, with d(g⁻¹) = −g⁻¹·dT·g⁻¹ chained by hand. The cost is independent of the number of
/// entries of T.
/// </para>
/// </summary>
public static class TeleportObjective
{
    /// <summary>L and ∇L at <paramref name="model"/> on <paramref name="x"/> (evaluation mode); a non-finite loss is returned, not thrown.</summary>
    public static LossGradient Evaluate(Model<double> model, Tensor<double> x, OutputLoss loss)
    {
        var pass = Executor.Forward(model, [x], training: false);
        var value = loss(pass.Outputs);
        if (value.Value.Length != 1) throw new ShapeMismatchException("teleport loss", "must be a scalar", value.Value.ShapeArray());
        double l = value.Value.ToScalar();
        if (value.RequiresGrad) value.Backward();
        var grads = new Dictionary<string, Tensor<double>>();
        foreach (var p in model.Graph.Parameters.Where(p => p.Trainable))
            grads[p.Name] = pass.Parameters.TryGetValue(p.Name, out var v) && v.Grad is not null ? v.Grad.Contiguous() : Tensor<double>.Zeros(p.Shape);
        return new LossGradient(l, grads);
    }

    /// <summary>
    /// ∂‖∇L(θ(T))‖²/∂T_p for every pair p of <paramref name="action"/>, at the generators <paramref name="generators"/>
    /// (pass zeros for the gradient at the identity, the Lie-algebra direction). Also returns L and ∇L at θ(T).
    /// </summary>
    public static (IReadOnlyList<Tensor<double>> Gradient, LossGradient At) Gradient(TeleportAction action, Tensor<double> x, OutputLoss loss,
        IReadOnlyList<Tensor<double>> generators, double fdStep = 1e-5)
    {
        action.CheckGenerators(generators);
        var moved = action.Apply(generators);
        var at = Evaluate(moved, x, loss);
        double norm = at.GradientNorm;
        if (!double.IsFinite(norm)) throw new InvalidOperationException($"teleport: the loss gradient at the moved model '{moved.Graph.Name}' is not finite (loss {at.Loss})");
        var zeros = generators.Select(t => Tensor<double>.Zeros(t.ShapeArray())).ToArray();
        if (norm == 0) return (zeros, at);
        double thetaNorm = Math.Sqrt(moved.Graph.Parameters.Where(p => p.Trainable).Sum(p => LossGradient.SquaredNorm(moved[p.Name])));
        double eps = fdStep * Math.Max(1, thetaNorm);
        var plus = Evaluate(Shift(moved, at.Gradient, eps / norm), x, loss).Gradient;
        var minus = Evaluate(Shift(moved, at.Gradient, -eps / norm), x, loss).Gradient;
        // v = 2·H·∇L = 2·‖∇L‖·H·u ≈ ‖∇L‖·(∇L(θ+εu) − ∇L(θ−εu))/ε
        var v = at.Gradient.Keys.ToDictionary(k => k, k => (plus[k] - minus[k]) * (norm / eps));

        var t = generators.Select(g => Variable<double>.Parameter(g)).ToArray();
        var inverses = generators.Select(g => TeleportAction.GroupInverse(g)).ToArray();
        var inv = inverses.Select(g => Variable<double>.Parameter(g)).ToArray();
        Variable<double>? s = null;
        foreach (var (name, value) in action.Build(t, inv))
        {
            if (!v.TryGetValue(name, out var cotangent)) continue;
            var term = Ops.Sum(value * Variable<double>.Constant(cotangent));
            s = s is null ? term : s + term;
        }
        if (s is null || !s.RequiresGrad) return (zeros, at);
        s.Backward();
        var result = new Tensor<double>[generators.Count];
        for (int p = 0; p < generators.Count; p++)
        {
            var direct = t[p].Grad ?? zeros[p];
            var a = inv[p].Grad;
            if (a is null) { result[p] = direct.Contiguous(); continue; }
            var ginvT = inverses[p].Transpose().Contiguous();
            result[p] = (direct - ginvT.MatMul(a).MatMul(ginvT)).Contiguous();
        }
        return (result, at);
    }

    private static Model<double> Shift(Model<double> model, IReadOnlyDictionary<string, Tensor<double>> direction, double scale)
        => model.WithParameters(direction.ToDictionary(kv => kv.Key, kv => (model[kv.Key] + kv.Value * scale).Contiguous()));
}
