namespace Noether.IO.Zoo;

/// <summary>
/// Joins the finished shards of one zoo (in one or several directories) into one index, refusing shards of
/// different zoos, a shard found twice, missing or unfinished shards, and models out of place.
/// </summary>
public static class ZooMerger
{
    /// <summary>
    /// Merges every shard found under <paramref name="directories"/> and writes <c>index.json</c> and <c>index.csv</c>
    /// into <paramref name="output"/> (file paths in it relative to <paramref name="output"/>).
    /// </summary>
    /// <exception cref="ZooFormatException">Shards are missing, unfinished, duplicated or of different zoos.</exception>
    public static ZooIndex Merge(IReadOnlyList<string> directories, string output)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (directories.Count == 0) throw new ArgumentException("zoo merge: give at least one zoo directory");
        var shards = ZooStatus.FindManifests(directories);
        if (shards.Count == 0) throw new ZooFormatException(directories[0], $"{string.Join(", ", directories)}: no zoo shard manifests under {ZooLayout.Shards}/");
        var first = shards[0];
        foreach (var s in shards)
            if (!s.Manifest.SameZoo(first.Manifest))
                throw new ZooFormatException(s.Path, $"{s.Path}: shard of another zoo ({s.Manifest.Describe()}) than {first.Path} ({first.Manifest.Describe()})");
        foreach (var g in shards.GroupBy(s => s.Manifest.Shard).Where(g => g.Count() > 1))
            throw new ZooFormatException(g.First().Path, $"shard {g.Key}/{first.Manifest.Shards} appears more than once: {string.Join(", ", g.Select(s => s.Path))}");
        int k = first.Manifest.Shards;
        var missing = Enumerable.Range(0, k).Except(shards.Select(s => s.Manifest.Shard)).ToArray();
        if (missing.Length > 0)
            throw new ZooFormatException(directories[0], $"{string.Join(", ", directories)}: missing shard{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)} of {k} ({first.Manifest.Describe()})");

        string outDir = Path.GetFullPath(output);
        var models = new List<ZooRecord>();
        foreach (var s in shards.OrderBy(s => s.Manifest.Shard))
        {
            var shard = new ZooShard(s.Manifest.Shard, k);
            var indexPath = ZooLayout.ShardIndex(s.Directory, shard);
            if (!File.Exists(indexPath))
            {
                int done = Enumerable.Range(s.Manifest.First, s.Manifest.End - s.Manifest.First).Count(i => File.Exists(ZooLayout.Record(s.Directory, i)));
                throw new ZooFormatException(s.Path, $"{s.Path}: shard {shard} is not finished ({done} of {s.Manifest.End - s.Manifest.First} models recorded)");
            }
            var index = ZooJson.Read<ZooIndex>(indexPath);
            if (index.Manifest != s.Manifest)
                throw new ZooFormatException(indexPath, $"{indexPath}: index was written for {index.Manifest?.Describe()}, manifest says {s.Manifest.Describe()}");
            var expected = Enumerable.Range(s.Manifest.First, s.Manifest.End - s.Manifest.First);
            if (index.Models is null || !index.Models.Select(m => m.Index).SequenceEqual(expected))
                throw new ZooFormatException(indexPath, $"{indexPath}: shard {shard} should list models {s.Manifest.First}..{s.Manifest.End - 1} once each, in order");
            foreach (var m in index.Models)
                models.Add(m with
                {
                    Checkpoints = m.Checkpoints.Select(c => c with { File = Relative(outDir, Path.Combine(s.Directory, c.File)) }).ToArray(),
                });
        }
        var merged = new ZooIndex(first.Manifest with { Shard = 0, First = 0, End = first.Manifest.Count }, models);
        Directory.CreateDirectory(outDir);
        WriteIndex(outDir, merged);
        return merged;
    }

    /// <summary>Writes a merged index into <paramref name="directory"/> (<c>index.json</c> and <c>index.csv</c>).</summary>
    public static void WriteIndex(string directory, ZooIndex index)
    {
        ZooJson.Write(Path.Combine(directory, ZooLayout.IndexJson), index);
        ZooCsv.Write(Path.Combine(directory, ZooLayout.IndexCsv), index);
    }

    /// <summary>Reads a merged index (<c>DIR/index.json</c>), with checkpoint paths made absolute.</summary>
    public static ZooIndex ReadIndex(string directory)
    {
        string dir = Path.GetFullPath(directory);
        var path = Path.Combine(dir, ZooLayout.IndexJson);
        var index = ZooJson.Read<ZooIndex>(path);
        if (index.Manifest is null || index.Models is null) throw new ZooFormatException(path, $"{path}: not a zoo index (no manifest or models)");
        return index with
        {
            Models = index.Models.Select(m => m with { Checkpoints = (m.Checkpoints ?? []).Select(c => c with { File = Path.GetFullPath(Path.Combine(dir, c.File)) }).ToArray() }).ToArray(),
        };
    }

    private static string Relative(string from, string to) => Path.GetRelativePath(from, Path.GetFullPath(to)).Replace('\\', '/');
}
