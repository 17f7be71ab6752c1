using System.Numerics;
using Noether.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Noether.Nn.Training;

/// <summary>Updates parameter tensors in place from their gradients. State (momentum, moments) is kept per parameter name.</summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Applies one step with learning rate <paramref name="lr"/>.</summary>
    public void Step(IReadOnlyDictionary<string, Tensor<T>> parameters, IReadOnlyDictionary<string, Tensor<T>> gradients, double lr)
    {
        StepCount++;
        foreach (var (name, g) in gradients)
        {
            var p = parameters[name];
            if (!Shapes.Equal(p.Shape, g.Shape)) throw new ShapeMismatchException("Optimizer", $"gradient of '{name}' has the wrong shape", p.ShapeArray(), g.ShapeArray());
            Update(name, p.Span, g.Contiguous().Span, T.CreateChecked(lr));
        }
    }

    /// <summary>Number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>Updates one parameter.</summary>
    protected abstract void Update(string name, Span<T> p, ReadOnlySpan<T> g, T lr);
}

/// <summary>SGD with optional momentum (PyTorch convention), Nesterov momentum and L2 weight decay.</summary>
public sealed class Sgd<T>(double momentum = 0, bool nesterov = false, double weightDecay = 0) : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, T[]> _velocity = new();

    /// <summary>One fused pass per parameter, in place: no temporary arrays.</summary>
    protected override void Update(string name, Span<T> p, ReadOnlySpan<T> g, T lr)
    {
        T wd = T.CreateChecked(weightDecay), mu = T.CreateChecked(momentum);
        if (momentum == 0) { FusedSteps.Sgd(p, g, lr, wd); return; }
        if (!_velocity.TryGetValue(name, out var v)) _velocity[name] = v = new T[p.Length];
        bool first = !_started.Contains(name);
        if (first) _started.Add(name);
        FusedSteps.SgdMomentum(p, g, v, lr, wd, mu, nesterov, first);
    }

    private readonly HashSet<string> _started = new();
}

/// <summary>Adam, or AdamW when <c>decoupledWeightDecay</c> (weight decay applied to the weights, not the gradient).</summary>
public sealed class Adam<T>(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = true)
    : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, (T[] M, T[] V, long T)> _state = new();

    protected override void Update(string name, Span<T> p, ReadOnlySpan<T> g, T lr)
    {
        if (!_state.TryGetValue(name, out var s)) s = (new T[p.Length], new T[p.Length], 0);
        s.T++;
        _state[name] = s;
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2), e = T.CreateChecked(eps), wd = T.CreateChecked(weightDecay);
        T c1 = T.One - T.CreateChecked(Math.Pow(beta1, s.T)), c2 = T.One - T.CreateChecked(Math.Pow(beta2, s.T));
        if (weightDecay != 0 && decoupledWeightDecay) TP.Multiply(p, T.One - lr * wd, p);
        for (int i = 0; i < p.Length; i++)
        {
            T gi = g[i];
            if (weightDecay != 0 && !decoupledWeightDecay) gi += wd * p[i];
            s.M[i] = b1 * s.M[i] + (T.One - b1) * gi;
            s.V[i] = b2 * s.V[i] + (T.One - b2) * gi * gi;
            p[i] -= lr * (s.M[i] / c1) / (T.Sqrt(s.V[i] / c2) + e);
        }
    }
}
