using Noether.Nn;
using Noether.Nn.Data;
using Noether.Nn.Operations;

namespace Noether.Alignment.Merging;

/// <summary>
/// Recomputes every BatchNorm's running statistics on data (the "reset" that interpolated networks need: averaging two
/// sets of statistics does not give the statistics of the averaged network — git-re-basin-pytorch #3, #5).
/// </summary>
public static class BatchNormReset
{
    /// <summary>Whether the model has BatchNorm layers.</summary>
    public static bool Applies(Graph graph) => graph.Nodes.Any(n => n.Op is BatchNormOp);

    /// <summary>
    /// A copy of <paramref name="model"/> whose running statistics are the sample-weighted means, over
    /// <paramref name="data"/> in batches, of the batch statistics a training-mode pass computes (PyTorch's cumulative reset).
    /// </summary>
    public static Model<double> Reset(Model<double> model, Dataset data, int batchSize = 256, CancellationToken cancel = default)
    {
        if (!Applies(model.Graph)) return model;
        var graph = model.Graph;
        // Momentum 1 makes a training pass report its batch statistics as the new running statistics.
        var exact = new Graph(graph.Inputs, graph.Nodes.Select(n => n.Op is BatchNormOp bn ? n with { Op = bn with { Momentum = 1 } } : n).ToArray(), graph.Outputs, graph.Name);
        var probe = new Model<double>(exact, model.Parameters);
        var sums = new Dictionary<string, Noether.Tensors.Tensor<double>>();
        int seen = 0;
        foreach (var (x, y) in new DataLoader(data, batchSize, shuffle: false, new Noether.Tensors.Rng(0)).Epoch<double>())
        {
            cancel.ThrowIfCancellationRequested();
            if (y.Length < 2) continue; // a variance needs two samples
            var pass = Executor.Forward(probe, [x], training: true);
            foreach (var (name, value) in pass.BufferUpdates)
                sums[name] = sums.TryGetValue(name, out var s) ? s + value * y.Length : value * (double)y.Length;
            seen += y.Length;
        }
        if (seen == 0) throw new ArgumentException($"BatchNorm reset needs at least 2 samples, {data.Name} has {data.Count}");
        return model.WithParameters(sums.ToDictionary(kv => kv.Key, kv => kv.Value * (1.0 / seen)));
    }
}
