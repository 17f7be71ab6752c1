using Noether.Tensors;

namespace Noether.Nn.Zoo;

/// <summary>
/// A seeded distribution over training settings and one architecture, from which a zoo is drawn: model i's settings
/// depend only on the recipe and i, so any split of 0..N−1 into shards trains exactly the models one process would.
/// </summary>
/// <param name="Name"><c>small-cnn</c> (the Small CNN Zoo's 3×conv(16, 3×3, stride 2) → global average pool →
/// Linear: 4,970 parameters on one-channel images) or <c>mlp</c> (flattened pixels → 32 → 32 → classes).</param>
/// <param name="Seed">Recipe seed.</param>
/// <param name="MaxEpochs">Upper end of the epoch range (models train 1..MaxEpochs epochs, uniformly).</param>
public sealed record ZooRecipe(string Name, ulong Seed = 0, int MaxEpochs = 20)
{
    /// <summary>Recipe names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["small-cnn", "mlp"];

    /// <summary>Checks the name and the epoch range.</summary>
    public ZooRecipe Validate()
    {
        if (!Names.Contains(Name)) throw new ArgumentException($"Unknown zoo recipe '{Name}'. Known: {string.Join(", ", Names)}");
        if (MaxEpochs < 1) throw new ArgumentException($"zoo recipe '{Name}': max epochs must be at least 1, got {MaxEpochs}");
        return this;
    }

    /// <summary>
    /// Model <paramref name="index"/>'s settings: optimiser sgd or adam; learning rate log-uniform over
    /// [3e-3, 3e-1] (sgd) or [3e-4, 3e-2] (adam); initialisation scale log-uniform over [0.3, 2]; dropout 0 for half
    /// the models, else uniform over [0, 0.5]; L2 log-uniform over [1e-6, 1e-2]; training fraction one of 0.1,
    /// 0.25, 0.5, 1; epochs uniform over 1..MaxEpochs; activation relu, tanh or gelu; batch 32.
    /// </summary>
    public ZooHyperparameters Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Validate();
        // One stream per model, keyed by recipe seed and index (SplitMix-style mixing keeps neighbours unrelated).
        var rng = new Rng(Mix(Seed, (ulong)index));
        bool sgd = rng.NextDouble() < 0.5;
        double lr = sgd ? LogUniform(rng, 3e-3, 3e-1) : LogUniform(rng, 3e-4, 3e-2);
        double init = LogUniform(rng, 0.3, 2.0);
        double dropout = rng.NextDouble() < 0.5 ? 0 : 0.5 * rng.NextDouble();
        double l2 = LogUniform(rng, 1e-6, 1e-2);
        double fraction = new[] { 0.1, 0.25, 0.5, 1.0 }[rng.NextInt(4)];
        int epochs = 1 + rng.NextInt(MaxEpochs);
        string act = new[] { "relu", "tanh", "gelu" }[rng.NextInt(3)];
        ulong seed = rng.NextUInt64();
        return new(sgd ? "sgd" : "adam", lr, init, dropout, l2, fraction, epochs, act, 32, seed);
    }

    private static double LogUniform(Rng rng, double lo, double hi) => Math.Exp(Math.Log(lo) + rng.NextDouble() * (Math.Log(hi) - Math.Log(lo)));

    private static ulong Mix(ulong seed, ulong index)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + index + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
