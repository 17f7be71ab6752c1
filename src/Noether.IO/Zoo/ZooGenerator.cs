using System.Diagnostics;
using System.Globalization;
using Noether.Nn.Data;
using Noether.Nn.Zoo;

namespace Noether.IO.Zoo;

/// <summary>What <see cref="ZooGenerator.Generate"/> trains and where.</summary>
/// <param name="Recipe">The seeded recipe.</param>
/// <param name="Data">Built-in data set name (<see cref="Datasets.Names"/>).</param>
/// <param name="Count">Models in the whole zoo (all shards).</param>
/// <param name="Directory">Zoo directory (created if missing; shards may share it).</param>
/// <param name="Shard">This process's shard.</param>
public sealed record ZooGenerateOptions(ZooRecipe Recipe, string Data, int Count, string Directory, ZooShard Shard)
{
    /// <summary>Directory of the Fashion-MNIST IDX files (default: the Debian package's).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Models trained at once, one per thread (default: every core).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
}

/// <summary>Progress of a shard: models finished out of the shard's total.</summary>
public readonly record struct ZooProgress(int Done, int Total, int LastIndex);

/// <summary>A finished shard: its index, and how many models this call trained (the rest were already done).</summary>
public sealed record ZooGenerateResult(ZooIndex Index, int Trained, int AlreadyDone, double Seconds);

/// <summary>
/// Trains one shard of a zoo: every model of the shard not yet recorded, several at once (one per worker thread,
/// each single-threaded, so results do not depend on the number of workers or shards), each written as
/// checkpoint files and then a record, all atomically. A killed or cancelled shard restarts where it stopped:
/// recorded models are kept, half-trained ones are trained again from scratch, temporary files of dead writers are
/// removed. When every model is recorded, the shard's index is written (and for a one-shard zoo the merged index).
/// </summary>
public static class ZooGenerator
{
    /// <summary>Generates (or resumes) the shard; see the class remarks.</summary>
    /// <exception cref="ZooFormatException">The directory holds another zoo's manifest for this shard, or a corrupt record.</exception>
    public static ZooGenerateResult Generate(ZooGenerateOptions options, IProgress<ZooProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var recipe = options.Recipe.Validate();
        if (options.Count < 1) throw new ArgumentException($"zoo: --count must be at least 1, got {options.Count}");
        if (options.Workers < 1) throw new ArgumentException($"zoo: workers must be at least 1, got {options.Workers}");
        if (!Datasets.Names.Contains(options.Data.ToLowerInvariant())) throw new ArgumentException($"zoo: unknown data set '{options.Data}'. Known: {string.Join(", ", Datasets.Names)}");
        var sw = Stopwatch.StartNew();
        string dir = Path.GetFullPath(options.Directory);
        foreach (var sub in new[] { ZooLayout.Models, ZooLayout.Records, ZooLayout.Shards }) System.IO.Directory.CreateDirectory(Path.Combine(dir, sub));
        var shard = options.Shard;
        var manifest = new ZooManifest(recipe.Name, recipe.Seed, recipe.MaxEpochs, options.Data.ToLowerInvariant(), options.Count,
            shard.Index, shard.Count, shard.First(options.Count), shard.End(options.Count));
        CheckOrWriteManifest(ZooLayout.Manifest(dir, shard), manifest);

        var done = new Dictionary<int, ZooRecord>();
        var pending = new List<int>();
        for (int i = manifest.First; i < manifest.End; i++)
        {
            var path = ZooLayout.Record(dir, i);
            if (File.Exists(path)) done[i] = ReadRecord(dir, path, i);
            else pending.Add(i);
        }
        int already = done.Count, total = manifest.End - manifest.First;
        if (pending.Count > 0)
        {
            var (train, test) = Datasets.Load(manifest.Data, options.DataDirectory);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = cancel };
            object gate = new();
            Parallel.ForEach(pending, parallel, i =>
            {
                var record = TrainAndWrite(dir, manifest, recipe, i, train, test, cancel);
                lock (gate)
                {
                    done[i] = record;
                    progress?.Report(new ZooProgress(done.Count, total, i));
                }
            });
        }
        var index = new ZooIndex(manifest, done.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray());
        var indexPath = ZooLayout.ShardIndex(dir, shard);
        ZooJson.Write(indexPath, index);
        ZooCsv.Write(Path.ChangeExtension(indexPath, ".csv"), index);
        if (shard.Count == 1) ZooMerger.WriteIndex(dir, index);
        return new ZooGenerateResult(index, pending.Count, already, sw.Elapsed.TotalSeconds);
    }

    private static void CheckOrWriteManifest(string path, ZooManifest manifest)
    {
        if (File.Exists(path))
        {
            var old = ZooJson.Read<ZooManifest>(path);
            if (old != manifest)
                throw new ZooFormatException(path, $"{path}: this shard was started as {old.Describe()}; asked now for {manifest.Describe()} (use another directory)");
            return;
        }
        ZooJson.Write(path, manifest);
    }

    private static ZooRecord ReadRecord(string dir, string path, int index)
    {
        var r = ZooJson.Read<ZooRecord>(path);
        if (r.Index != index || r.Hyperparameters is null || r.Checkpoints is null || r.Status is null)
            throw new ZooFormatException(path, $"{path}: record of model {r.Index} is incomplete or misplaced (expected model {index})");
        foreach (var c in r.Checkpoints)
            if (!File.Exists(Path.Combine(dir, c.File)))
                throw new ZooFormatException(path, $"{path}: checkpoint file '{c.File}' of model {index} is missing");
        return r;
    }

    private static ZooRecord TrainAndWrite(string dir, ZooManifest manifest, ZooRecipe recipe, int i, Dataset train, Dataset test, CancellationToken cancel)
    {
        var run = ZooTraining.Train(recipe, i, train, test, cancel);
        var hp = run.Hyperparameters.ToMetadata();
        var entries = new List<ZooCheckpointEntry>();
        foreach (var c in run.Checkpoints)
        {
            cancel.ThrowIfCancellationRequested();
            var file = ZooLayout.Checkpoint(i, c.Epoch);
            var meta = new Dictionary<string, string>(hp.ToDictionary(kv => "zoo." + kv.Key, kv => kv.Value))
            {
                ["zoo.recipe"] = manifest.Recipe,
                ["zoo.recipe_seed"] = manifest.RecipeSeed.ToString(CultureInfo.InvariantCulture),
                ["zoo.data"] = manifest.Data,
                ["zoo.index"] = i.ToString(CultureInfo.InvariantCulture),
                ["zoo.epoch"] = c.Epoch.ToString(CultureInfo.InvariantCulture),
                ["zoo.test_accuracy"] = c.TestAccuracy.ToString("R", CultureInfo.InvariantCulture),
                ["zoo.test_loss"] = c.TestLoss.ToString("R", CultureInfo.InvariantCulture),
            };
            ModelFiles.Save(c.Model, Path.Combine(dir, file), meta);
            entries.Add(new ZooCheckpointEntry(c.Epoch, file, c.TestAccuracy, c.TestLoss));
        }
        var record = new ZooRecord(i, run.Diverged ? "diverged" : "trained", hp, entries, run.Failure);
        cancel.ThrowIfCancellationRequested();
        ZooJson.Write(ZooLayout.Record(dir, i), record);
        return record;
    }
}
