using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Tests;

/// <summary>Finite-difference gradient check of a whole model, with respect to its inputs and every trainable parameter.</summary>
internal static class ModelGradCheck
{
    public static GradCheckResult Run(Graph graph, int batch, bool training, ulong seed = 1, Func<Rng, int[], Tensor<double>>? input = null)
    {
        var rng = new Rng(seed);
        var model = Model<double>.Initialize(graph, rng);
        // Perturb every parameter (including norm weights, which initialise to constants) so that no symmetry hides a bug.
        var trainable = graph.Parameters.Where(p => p.Trainable).ToArray();
        var tensors = new List<Tensor<double>>();
        foreach (var spec in graph.Inputs)
            tensors.Add(input?.Invoke(rng, [batch, .. spec.Shape]) ?? Tensor<double>.RandomNormal(rng, [batch, .. spec.Shape]));
        foreach (var p in trainable) tensors.Add(model[p.Name] + Tensor<double>.RandomNormal(rng, 0.0, 0.3, p.Shape));
        int inputCount = graph.Inputs.Count;
        return GradCheck.Run(vars =>
        {
            var overrides = trainable.Select((p, i) => (p.Name, vars[inputCount + i])).ToDictionary(t => t.Name, t => t.Item2);
            return Executor.Forward(model, vars.Take(inputCount).ToArray(), training, new Rng(7), overrides).Outputs[0];
        }, tensors.ToArray());
    }
}
