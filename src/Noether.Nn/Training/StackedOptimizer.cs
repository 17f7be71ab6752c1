using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Nn.Training;

/// <summary>
/// SGD or Adam for a <see cref="ModelBatch{T}"/>, applied to the stacked arrays in place. The state (velocity,
/// moments) is stacked too, one slice per model, so each model's update is exactly that of its own
/// <see cref="Sgd{T}"/> or <see cref="Adam{T}"/> (same formulas, same operation order) and never sees another's.
/// </summary>
public abstract record StackedOptimizer
{
    /// <summary>As <see cref="Sgd{T}"/>: optional momentum (PyTorch convention), Nesterov and L2 weight decay.</summary>
    public static StackedOptimizer Sgd(double momentum = 0, bool nesterov = false, double weightDecay = 0) => new StackedSgd(momentum, nesterov, weightDecay);

    /// <summary>As <see cref="Adam{T}"/>.</summary>
    public static StackedOptimizer Adam(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = true)
        => new StackedAdam(beta1, beta2, eps, weightDecay, decoupledWeightDecay);

    /// <summary>The sequential optimiser with the same settings, for one model.</summary>
    public abstract Optimizer<T> ForOneModel<T>() where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Updates <paramref name="p"/>, the part at <paramref name="offset"/> of stacked parameter <paramref name="slot"/>,
    /// from its gradient; <paramref name="step"/> counts steps from 1.
    /// </summary>
    internal abstract void Update<T>(StackedOptimizerState<T> state, int slot, Span<T> p, ReadOnlySpan<T> g, int offset, T lr, long step)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Per stacked parameter (slot), the optimiser's two buffers, sized like the parameter and zero at first; each is
/// allocated when first asked for (SGD with momentum uses one, plain SGD none).
/// </summary>
internal sealed class StackedOptimizerState<T>(IReadOnlyList<int> lengths) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[]?[] _first = new T[lengths.Count][], _second = new T[lengths.Count][];

    /// <summary>Buffer 0 or 1 of a slot (ranges of models ask for it from several threads: one array wins).</summary>
    public T[] Buffer(int which, int slot)
    {
        var buffers = which == 0 ? _first : _second;
        if (Volatile.Read(ref buffers[slot]) is { } existing) return existing;
        var created = new T[lengths[slot]];
        return Interlocked.CompareExchange(ref buffers[slot], created, null) ?? created;
    }
}

/// <summary>Stacked <see cref="Sgd{T}"/>.</summary>
internal sealed record StackedSgd(double Momentum, bool Nesterov, double WeightDecay) : StackedOptimizer
{
    public override Optimizer<T> ForOneModel<T>() => new Sgd<T>(Momentum, Nesterov, WeightDecay);

    internal override void Update<T>(StackedOptimizerState<T> state, int slot, Span<T> p, ReadOnlySpan<T> g, int offset, T lr, long step)
    {
        // The sequential Sgd's own fused pass, over the range of models at once: element by element the same update.
        T wd = T.CreateChecked(WeightDecay), mu = T.CreateChecked(Momentum);
        if (Momentum == 0) { FusedSteps.Sgd(p, g, lr, wd); return; }
        FusedSteps.SgdMomentum(p, g, state.Buffer(1, slot).AsSpan(offset, p.Length), lr, wd, mu, Nesterov, step == 1);
    }
}

/// <summary>Stacked <see cref="Adam{T}"/>.</summary>
internal sealed record StackedAdam(double Beta1, double Beta2, double Eps, double WeightDecay, bool Decoupled) : StackedOptimizer
{
    public override Optimizer<T> ForOneModel<T>() => new Adam<T>(Beta1, Beta2, Eps, WeightDecay, Decoupled);

    internal override void Update<T>(StackedOptimizerState<T> state, int slot, Span<T> p, ReadOnlySpan<T> g, int offset, T lr, long step)
    {
        var m = state.Buffer(0, slot).AsSpan(offset, p.Length);
        var v = state.Buffer(1, slot).AsSpan(offset, p.Length);
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), e = T.CreateChecked(Eps), wd = T.CreateChecked(WeightDecay);
        T c1 = T.One - T.CreateChecked(Math.Pow(Beta1, step)), c2 = T.One - T.CreateChecked(Math.Pow(Beta2, step));
        if (WeightDecay != 0 && Decoupled) TP.Multiply(p, T.One - lr * wd, p);
        for (int i = 0; i < p.Length; i++)
        {
            T gi = g[i];
            if (WeightDecay != 0 && !Decoupled) gi += wd * p[i];
            m[i] = b1 * m[i] + (T.One - b1) * gi;
            v[i] = b2 * v[i] + (T.One - b2) * gi * gi;
            p[i] -= lr * (m[i] / c1) / (T.Sqrt(v[i] / c2) + e);
        }
    }
}
