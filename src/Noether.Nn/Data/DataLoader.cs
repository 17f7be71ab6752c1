using System.Numerics;
using Noether.Tensors;

namespace Noether.Nn.Data;

/// <summary>Mini-batches over a data set, reshuffled every epoch from a seeded source (so a seed fixes the order).</summary>
public sealed class DataLoader(Dataset data, int batchSize, bool shuffle, Rng rng)
{
    /// <summary>Number of batches per epoch (the last may be smaller).</summary>
    public int BatchesPerEpoch => (data.Count + batchSize - 1) / batchSize;

    /// <summary>The batches of one epoch.</summary>
    public IEnumerable<(Tensor<T> X, int[] Y)> Epoch<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batchSize < 1) throw new ArgumentException($"Batch size must be positive, got {batchSize}");
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (shuffle) rng.Shuffle(order.AsSpan());
        for (int i = 0; i < order.Length; i += batchSize)
            yield return data.Batch<T>(order.AsSpan(i, Math.Min(batchSize, order.Length - i)));
    }
}
