namespace Noether.IO.Zoo;

/// <summary>A shard manifest found on disk.</summary>
public sealed record ZooShardFile(string Directory, string Path, ZooManifest Manifest);

/// <summary>Progress of one shard: models recorded out of its share, and whether its index is written; <see cref="Models"/> is the zoo's size.</summary>
public sealed record ZooShardStatus(int Shard, int Shards, int First, int End, int Done, bool Finished, string Directory, int Models)
{
    /// <summary>Models of the shard.</summary>
    public int Total => End - First;

    /// <summary><c>finished</c>, <c>partial</c> (some models recorded) or <c>started</c> (manifest only).</summary>
    public string State => Finished ? "finished" : Done > 0 ? "partial" : "started";
}

/// <summary>The state of a zoo directory's shards, for <c>noether zoo status</c>.</summary>
public static class ZooStatus
{
    /// <summary>Per shard found, its progress; shards of the zoo with no manifest yet are listed with <see cref="Missing"/>.</summary>
    public static IReadOnlyList<ZooShardStatus> Read(string directory)
    {
        var shards = FindManifests([directory]);
        return shards.Select(s =>
        {
            var m = s.Manifest;
            int done = Enumerable.Range(m.First, Math.Max(0, m.End - m.First)).Count(i => File.Exists(ZooLayout.Record(s.Directory, i)));
            bool finished = File.Exists(ZooLayout.ShardIndex(s.Directory, new ZooShard(m.Shard, m.Shards)));
            return new ZooShardStatus(m.Shard, m.Shards, m.First, m.End, done, finished, s.Directory, m.Count);
        }).OrderBy(s => s.Shard).ToArray();
    }

    /// <summary>Shard indices of a K-shard zoo that have no manifest among <paramref name="found"/>.</summary>
    public static IReadOnlyList<int> Missing(IReadOnlyList<ZooShardStatus> found) =>
        found.Count == 0 ? [] : Enumerable.Range(0, found[0].Shards).Except(found.Select(s => s.Shard)).ToArray();

    /// <summary>Every shard manifest under the <c>shards/</c> folders of <paramref name="directories"/>.</summary>
    public static IReadOnlyList<ZooShardFile> FindManifests(IReadOnlyList<string> directories)
    {
        var found = new List<ZooShardFile>();
        foreach (var d in directories)
        {
            string dir = System.IO.Path.GetFullPath(d);
            if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"{d}: no such zoo directory");
            var shards = System.IO.Path.Combine(dir, ZooLayout.Shards);
            if (!System.IO.Directory.Exists(shards)) continue;
            foreach (var path in System.IO.Directory.EnumerateFiles(shards, "shard-*-of-*.json").Order(StringComparer.Ordinal))
            {
                if (path.EndsWith(".index.json", StringComparison.Ordinal)) continue;
                var m = ZooJson.Read<ZooManifest>(path);
                if (m.Recipe is null || m.Data is null || m.Shards < 1 || m.Shard < 0 || m.Shard >= m.Shards || m.Count < 1
                    || m.First != new ZooShard(m.Shard, m.Shards).First(m.Count) || m.End != new ZooShard(m.Shard, m.Shards).End(m.Count))
                    throw new ZooFormatException(path, $"{path}: inconsistent shard manifest (shard {m.Shard}/{m.Shards}, models {m.First}..{m.End} of {m.Count})");
                found.Add(new ZooShardFile(dir, path, m));
            }
        }
        return found;
    }
}
