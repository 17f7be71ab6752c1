namespace Noether.IO.Zoo;

/// <summary>
/// What a shard was asked to do, written when it starts (<c>shards/shard-i-of-K.json</c>): a restarted shard must
/// be asked the same, and merging checks that every shard of a zoo was.
/// </summary>
public sealed record ZooManifest(string Recipe, ulong RecipeSeed, int MaxEpochs, string Data, int Count, int Shard, int Shards, int First, int End)
{
    /// <summary>The same zoo (recipe, seed, epochs, data, size, shard count), whichever shard.</summary>
    public bool SameZoo(ZooManifest o) => Recipe == o.Recipe && RecipeSeed == o.RecipeSeed && MaxEpochs == o.MaxEpochs
        && Data == o.Data && Count == o.Count && Shards == o.Shards;

    /// <summary>The zoo in words, for messages.</summary>
    public string Describe() => $"recipe {Recipe} (seed {RecipeSeed}, ≤ {MaxEpochs} epochs) on {Data}, {Count} models in {Shards} shards";
}

/// <summary>One checkpoint file of a zoo model.</summary>
/// <param name="Epoch">Epochs trained.</param>
/// <param name="File">Path relative to the zoo directory.</param>
/// <param name="TestAccuracy">Accuracy on the data set's test split.</param>
/// <param name="TestLoss">Mean cross-entropy on the test split.</param>
public sealed record ZooCheckpointEntry(int Epoch, string File, double TestAccuracy, double TestLoss);

/// <summary>
/// A finished model (<c>records/mNNNNNN.json</c>), written after all its checkpoint files: its presence is what
/// marks the model done for a restarted shard.
/// </summary>
public sealed record ZooRecord(int Index, string Status, IReadOnlyDictionary<string, string> Hyperparameters,
    IReadOnlyList<ZooCheckpointEntry> Checkpoints, string? Failure);

/// <summary>A shard's (or a merged zoo's) index: the manifest and the records of its models, in index order.</summary>
public sealed record ZooIndex(ZooManifest Manifest, IReadOnlyList<ZooRecord> Models);
