namespace Noether.IO.Zoo;

/// <summary>
/// Where a zoo directory keeps things: <c>models/</c> (one safetensors file per checkpoint), <c>records/</c> (one JSON
/// per finished model), <c>shards/</c> (each shard's manifest and, when complete, its index as JSON and CSV) and the
/// merged <c>index.json</c> / <c>index.csv</c>. Model files are named by their index in the zoo, so shards sharing a
/// directory never collide.
/// </summary>
public static class ZooLayout
{
    /// <summary>Folder of checkpoint files.</summary>
    public const string Models = "models";
    /// <summary>Folder of model records.</summary>
    public const string Records = "records";
    /// <summary>Folder of shard manifests and indexes.</summary>
    public const string Shards = "shards";
    /// <summary>The merged index (JSON).</summary>
    public const string IndexJson = "index.json";
    /// <summary>The merged index (CSV, one row per checkpoint).</summary>
    public const string IndexCsv = "index.csv";

    /// <summary>Relative path of model <paramref name="index"/>'s checkpoint after <paramref name="epoch"/> epochs.</summary>
    public static string Checkpoint(int index, int epoch) => $"{Models}/m{index:D6}-e{epoch:D3}.safetensors";

    /// <summary>Path of model <paramref name="index"/>'s record.</summary>
    public static string Record(string dir, int index) => Path.Combine(dir, Records, $"m{index:D6}.json");

    /// <summary>Path of a shard's manifest.</summary>
    public static string Manifest(string dir, ZooShard shard) => Path.Combine(dir, Shards, shard.Stem + ".json");

    /// <summary>Path of a shard's finished index (JSON; the CSV sits beside it).</summary>
    public static string ShardIndex(string dir, ZooShard shard) => Path.Combine(dir, Shards, shard.Stem + ".index.json");
}
