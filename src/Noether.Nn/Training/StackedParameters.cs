using System.Numerics;
using Noether.Tensors;

namespace Noether.Nn.Training;

/// <summary>
/// The parameters and gradients of K models of one plan, stacked: node n's weight as [K, out, in], its bias as
/// [K, out], its gradients alike. Per model, tensors viewing those arrays (no copies)
/// bound to the graph's parameter names, so an ordinary <see cref="Optimizer{T}"/> updates them in place.
/// </summary>
internal sealed class StackedParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public StackedParameters(StackedPlan plan, IReadOnlyList<Model<T>> models)
    {
        Count = models.Count;
        int nodes = plan.Nodes.Count;
        Weights = new T[]?[nodes]; Biases = new T[]?[nodes]; WeightGrads = new T[]?[nodes]; BiasGrads = new T[]?[nodes];
        var parameters = Enumerable.Range(0, Count).Select(_ => new Dictionary<string, Tensor<T>>()).ToArray();
        var gradients = Enumerable.Range(0, Count).Select(_ => new Dictionary<string, Tensor<T>>()).ToArray();
        int fin = plan.Inputs;
        for (int n = 0; n < nodes; n++)
        {
            var node = plan.Nodes[n];
            if (node.Linear is { } l)
            {
                int fout = node.Width, size = fout * fin;
                var w = Weights[n] = new T[Count * size];
                var gw = WeightGrads[n] = new T[Count * size];
                for (int k = 0; k < Count; k++)
                {
                    string name = $"{node.Name}.weight";
                    models[k][name].Contiguous().Span.CopyTo(w.AsSpan(k * size, size));
                    parameters[k][name] = new Tensor<T>(w.AsMemory(k * size, size), fout, fin);
                    gradients[k][name] = new Tensor<T>(gw.AsMemory(k * size, size), fout, fin);
                }
                if (l.Bias)
                {
                    var b = Biases[n] = new T[Count * fout];
                    var gb = BiasGrads[n] = new T[Count * fout];
                    for (int k = 0; k < Count; k++)
                    {
                        string name = $"{node.Name}.bias";
                        models[k][name].Contiguous().Span.CopyTo(b.AsSpan(k * fout, fout));
                        parameters[k][name] = new Tensor<T>(b.AsMemory(k * fout, fout), fout);
                        gradients[k][name] = new Tensor<T>(gb.AsMemory(k * fout, fout), fout);
                    }
                }
            }
            fin = node.Width;
        }
        Parameters = parameters; Gradients = gradients;
        var slots = new List<(T[], T[], int)>();
        for (int n = 0; n < nodes; n++)
        {
            if (Weights[n] is { } w) slots.Add((w, WeightGrads[n]!, w.Length / Count));
            if (Biases[n] is { } b) slots.Add((b, BiasGrads[n]!, b.Length / Count));
        }
        Slots = slots;
    }

    /// <summary>Every stacked parameter with its gradient and its elements per model.</summary>
    public IReadOnlyList<(T[] Values, T[] Grads, int PerModel)> Slots { get; }

    /// <summary>Number of models K.</summary>
    public int Count { get; }
    /// <summary>Per node, the stacked weights [K, out, in] (null for activations).</summary>
    public T[]?[] Weights { get; }
    /// <summary>Per node, the stacked biases [K, out] (null for activations and bias-free layers).</summary>
    public T[]?[] Biases { get; }
    /// <summary>Per node, the stacked weight gradients [K, out, in].</summary>
    public T[]?[] WeightGrads { get; }
    /// <summary>Per node, the stacked bias gradients [K, out].</summary>
    public T[]?[] BiasGrads { get; }
    /// <summary>Per model, views of its parameters by name.</summary>
    public IReadOnlyList<Dictionary<string, Tensor<T>>> Parameters { get; }
    /// <summary>Per model, views of its gradients by name (weight gradients as transposed views).</summary>
    public IReadOnlyList<Dictionary<string, Tensor<T>>> Gradients { get; }
}
