using System.Text.Json;

namespace Noether.IO.HuggingFace;

/// <summary>
/// The files of a Hugging Face checkpoint folder: <c>config.json</c>, and either <c>model.safetensors</c> or the shards
/// an index (<c>model.safetensors.index.json</c>) names. Every shard is opened and its header validated at once (the
/// data stays memory-mapped, read a tensor at a time); the index and the shards must agree tensor by tensor.
/// Files are treated as hostile: shard names must be plain file names in the folder, and every error is one line
/// naming the file and the tensor.
/// </summary>
internal sealed class HfCheckpoint : IDisposable
{
    /// <summary>The unsharded weights file.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>The index of a sharded checkpoint.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _files;
    private readonly Dictionary<string, string> _shardOf;

    private HfCheckpoint(string folder, HfConfig config, string? index, IReadOnlyList<string> shards, Dictionary<string, SafetensorsFile> files, Dictionary<string, string> shardOf)
    {
        Folder = folder;
        Config = config;
        IndexPath = index;
        Shards = shards;
        _files = files;
        _shardOf = shardOf;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>Its config.</summary>
    public HfConfig Config { get; }

    /// <summary>The index file, or null for a single <c>model.safetensors</c>.</summary>
    public string? IndexPath { get; }

    /// <summary>The weight files in order (shard file names, or just <c>model.safetensors</c>).</summary>
    public IReadOnlyList<string> Shards { get; }

    /// <summary>Every stored tensor name.</summary>
    public IReadOnlyCollection<string> TensorNames => _shardOf.Keys;

    /// <summary>Where the weights are described: the index, or the single file.</summary>
    public string WeightsPath => IndexPath ?? Path.Combine(Folder, SingleFile);

    /// <summary>True when <paramref name="path"/> is a folder with a <c>config.json</c>.</summary>
    public static bool IsCheckpoint(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, "config.json"));

    /// <summary>Opens a folder, validating the config's JSON, the index and every shard header.</summary>
    public static HfCheckpoint Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such checkpoint folder");
        var config = HfConfig.Read(Path.Combine(folder, "config.json"));
        var index = Path.Combine(folder, IndexFile);
        var single = Path.Combine(folder, SingleFile);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var shardOf = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(index))
            {
                var map = ReadIndex(index);
                var shards = map.Values.Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray();
                foreach (var shard in shards)
                {
                    var path = Path.Combine(folder, shard);
                    if (!File.Exists(path))
                    {
                        var held = map.Where(kv => kv.Value == shard).Select(kv => kv.Key).ToArray();
                        throw new FileNotFoundException(ModelFormatException.Escape($"{index}: shard '{shard}' (tensor '{held[0]}'{(held.Length > 1 ? $" and {held.Length - 1} more" : "")}) is missing from {folder}"), path);
                    }
                    files[shard] = SafetensorsFile.Open(path);
                }
                foreach (var (tensor, shard) in map)
                    if (!files[shard].Contains(tensor))
                        throw new InvalidDataException(ModelFormatException.Escape($"{Path.Combine(folder, shard)}: tensor '{tensor}', which {IndexFile} places in this shard, is not in it"));
                foreach (var (shard, opened) in files)
                    foreach (var e in opened.Entries)
                        if (!map.TryGetValue(e.Name, out var listed) || listed != shard)
                            throw new InvalidDataException(ModelFormatException.Escape($"{opened.Path}: tensor '{e.Name}' {SafetensorsHeader.Format(e.ShapeArray())} is {(listed is null ? "not listed" : $"listed in '{listed}'")} in {IndexFile}"));
                foreach (var (tensor, shard) in map) shardOf[tensor] = shard;
                return new HfCheckpoint(folder, config, index, shards, files, shardOf);
            }
            if (!File.Exists(single))
            {
                var bins = Directory.EnumerateFiles(folder, "*.bin").Any() ? " (PyTorch .bin weights are not read here: convert them to safetensors)" : "";
                throw new FileNotFoundException($"{folder}: neither {SingleFile} nor {IndexFile}{bins}", single);
            }
            var file = SafetensorsFile.Open(single);
            files[SingleFile] = file;
            foreach (var e in file.Entries) shardOf[e.Name] = SingleFile;
            return new HfCheckpoint(folder, config, null, [SingleFile], files, shardOf);
        }
        catch
        {
            foreach (var f in files.Values) f.Dispose();
            throw;
        }
    }

    /// <summary>The index's weight map, checked: an object of tensor names to plain <c>.safetensors</c> file names.</summary>
    private static Dictionary<string, string> ReadIndex(string index)
    {
        var info = new FileInfo(index);
        if (info.Length > 256L << 20) throw new InvalidDataException($"{index}: {info.Length} bytes, too large for an index (at most 256 MiB)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(index), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw new InvalidDataException($"{index}: not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var wm) || wm.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{index}: expected an object with a \"weight_map\" object");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in wm.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException(ModelFormatException.Escape($"{index}: tensor '{p.Name}' maps to {p.Value.ValueKind}, not a file name"));
                var shard = p.Value.GetString()!;
                if (shard.Length == 0 || shard.Contains('/') || shard.Contains('\\') || shard.Contains('\0') || shard is "." or ".."
                    || !shard.EndsWith(".safetensors", StringComparison.Ordinal))
                    throw new InvalidDataException(ModelFormatException.Escape($"{index}: tensor '{p.Name}' maps to '{shard}', which is not a .safetensors file name in the checkpoint folder"));
                if (!map.TryAdd(p.Name, shard)) throw new InvalidDataException(ModelFormatException.Escape($"{index}: tensor '{p.Name}' appears twice in \"weight_map\""));
            }
            if (map.Count == 0) throw new InvalidDataException($"{index}: \"weight_map\" names no tensor");
            return map;
        }
    }

    /// <summary>True when a tensor of this name is stored.</summary>
    public bool Contains(string tensor) => _shardOf.ContainsKey(tensor);

    /// <summary>The shard file name holding a tensor.</summary>
    public string ShardOf(string tensor) => _shardOf[tensor];

    /// <summary>The opened file holding a tensor.</summary>
    public SafetensorsFile FileOf(string tensor) => _files[_shardOf[tensor]];

    /// <summary>The opened file of a shard.</summary>
    public SafetensorsFile ShardFile(string shard) => _files[shard];

    /// <summary>A tensor's header entry.</summary>
    public SafetensorsEntry Entry(string tensor) => FileOf(tensor).GetEntry(tensor);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files.Values) f.Dispose();
    }
}
