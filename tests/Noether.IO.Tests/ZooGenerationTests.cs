using FsCheck;
using FsCheck.Fluent;
using Noether.IO.Zoo;
using Noether.Nn.Zoo;

namespace Noether.IO.Tests;

public sealed class ZooGenerationTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static readonly ZooRecipe Recipe = new("small-cnn", 11, MaxEpochs: 2);

    private ZooGenerateResult Generate(string dir, ZooShard shard, int count = 6, ZooRecipe? recipe = null, CancellationToken cancel = default,
        IProgress<ZooProgress>? progress = null, int workers = 2)
        => ZooGenerator.Generate(new ZooGenerateOptions(recipe ?? Recipe, "digits", count, dir, shard) { Workers = workers }, progress, cancel);

    [Fact]
    public void ShardsAreDisjointAndCoverTheZoo()
    {
        Prop.ForAll(Gen.Choose(1, 5000).ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (n, k) =>
        {
            var seen = new List<int>();
            for (int i = 0; i < k; i++)
            {
                var s = new ZooShard(i, k);
                Assert.True(s.First(n) <= s.End(n));
                seen.AddRange(Enumerable.Range(s.First(n), s.End(n) - s.First(n)));
            }
            Assert.Equal(Enumerable.Range(0, n), seen);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
        Assert.Equal(new ZooShard(2, 4), ZooShard.Parse("2/4"));
        foreach (var bad in new[] { "4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", "" })
            Assert.Throws<FormatException>(() => ZooShard.Parse(bad));
    }

    [Fact]
    public void ShardsTogetherEqualOneProcessByteForByte()
    {
        string whole = _dir.File("whole"), sharded = _dir.File("sharded");
        var one = Generate(whole, ZooShard.Whole, workers: 1);
        Assert.Equal(6, one.Trained);
        for (int i = 2; i >= 0; i--) Generate(sharded, new ZooShard(i, 3));
        var merged = ZooMerger.Merge([sharded], sharded);
        Assert.Equal(Enumerable.Range(0, 6), merged.Models.Select(m => m.Index));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "index.csv")), File.ReadAllText(Path.Combine(sharded, "index.csv")));
        var files = Directory.GetFiles(Path.Combine(whole, "models")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(files, Directory.GetFiles(Path.Combine(sharded, "models")).Select(Path.GetFileName).Order().ToArray());
        Assert.Equal(merged.Models.Sum(m => m.Checkpoints.Count), files.Length);
        foreach (var f in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "models", f!)), File.ReadAllBytes(Path.Combine(sharded, "models", f!)));
        // Checkpoints load, carry their metadata, and their accuracy is what the index says.
        var entry = merged.Models[3].Checkpoints[^1];
        using var info = SafetensorsFile.Open(Path.Combine(sharded, entry.File));
        Assert.Equal("3", info.Metadata!["zoo.index"]);
        Assert.Equal(merged.Models[3].Hyperparameters["seed"], info.Metadata!["zoo.seed"]);
        var model = ModelFiles.Load<float>(Path.Combine(sharded, entry.File));
        var (_, test) = Nn.Data.Datasets.Digits();
        Assert.Equal(entry.TestAccuracy, Nn.Training.Trainer.Evaluate(model, test).Accuracy);
    }

    [Fact]
    public void ACancelledShardResumesWithoutDuplicatesOrPartialFiles()
    {
        string reference = _dir.File("ref"), resumed = _dir.File("resumed");
        Generate(reference, ZooShard.Whole, count: 5);
        using var cts = new CancellationTokenSource();
        var progress = new Inline<ZooProgress>(p => { if (p.Done >= 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Generate(resumed, ZooShard.Whole, count: 5, cancel: cts.Token, progress: progress, workers: 1));
        var partial = ZooStatus.Read(resumed).Single();
        Assert.Equal("partial", partial.State);
        Assert.InRange(partial.Done, 2, 4);
        Assert.False(File.Exists(Path.Combine(resumed, "index.json")));
        var again = Generate(resumed, ZooShard.Whole, count: 5);
        Assert.Equal(partial.Done, again.AlreadyDone);
        Assert.Equal(5 - partial.Done, again.Trained);
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "index.csv")), File.ReadAllText(Path.Combine(resumed, "index.csv")));
        Assert.Empty(Directory.EnumerateFiles(resumed, "*.tmp", SearchOption.AllDirectories));
        var finished = Generate(resumed, ZooShard.Whole, count: 5);
        Assert.Equal(0, finished.Trained);
    }

    [Fact]
    public void MergeRefusesMissingUnfinishedDuplicateAndForeignShards()
    {
        string a = _dir.File("a"), b = _dir.File("b");
        Generate(a, new ZooShard(0, 3), count: 3);
        Generate(b, new ZooShard(1, 3), count: 3);
        var missing = Assert.Throws<ZooFormatException>(() => ZooMerger.Merge([a, b], a));
        Assert.Contains("missing shard 2 of 3", missing.Message);
        // Shard 2 started (manifest written) but not finished.
        using (var cts = new CancellationTokenSource())
        {
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => Generate(b, new ZooShard(2, 3), count: 3, cancel: cts.Token));
        }
        Assert.Contains("shard 2/3 is not finished (0 of 1 models recorded)", Assert.Throws<ZooFormatException>(() => ZooMerger.Merge([a, b], a)).Message);
        Generate(b, new ZooShard(2, 3), count: 3);
        Assert.Equal(3, ZooMerger.Merge([a, b], _dir.File("out")).Models.Count);
        // The same shard twice.
        string c = _dir.File("c");
        Generate(c, new ZooShard(1, 3), count: 3);
        Assert.Contains("shard 1/3 appears more than once", Assert.Throws<ZooFormatException>(() => ZooMerger.Merge([a, b, c], a)).Message);
        // A shard of another zoo.
        string d = _dir.File("d");
        Generate(d, new ZooShard(0, 3), count: 3, recipe: Recipe with { Seed = 12 });
        Assert.Contains("shard of another zoo", Assert.Throws<ZooFormatException>(() => ZooMerger.Merge([b, d], b)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => ZooMerger.Merge([_dir.File("nowhere")], a));
    }

    [Fact]
    public void RestartWithOtherSettingsOrTamperedRecordsIsRefused()
    {
        string a = _dir.File("a");
        Generate(a, new ZooShard(0, 2), count: 2);
        var other = Assert.Throws<ZooFormatException>(() => Generate(a, new ZooShard(0, 2), count: 4));
        Assert.Contains("was started as", other.Message);
        File.WriteAllText(ZooLayout.Record(a, 0), "{\"index\": 0, \"status\": tru");
        var corrupt = Assert.Throws<ZooFormatException>(() => Generate(a, new ZooShard(0, 2), count: 2));
        Assert.Contains("m000000.json", corrupt.Message);
        File.WriteAllText(ZooLayout.Record(a, 0), "{\"index\": 5, \"status\": \"trained\", \"hyperparameters\": {}, \"checkpoints\": []}");
        Assert.Contains("expected model 0", Assert.Throws<ZooFormatException>(() => Generate(a, new ZooShard(0, 2), count: 2)).Message);
    }

    [Fact]
    public void SlurmScriptRunsOneShardPerArrayTask()
    {
        var script = SlurmArray.Script(new SlurmArrayOptions(_dir.Path, 4, ["/opt/noether/noether", "zoo", "generate", "--count", "32", "--out", "/data/my zoo"])
        { CpusPerTask = 2, Partition = "gpu", TimeLimit = "01:00:00", MaxConcurrent = 2 });
        Assert.StartsWith("#!/bin/bash\n", script);
        Assert.Contains("#SBATCH --array=0-3%2\n", script);
        Assert.Contains("#SBATCH --cpus-per-task=2\n", script);
        Assert.Contains("#SBATCH --partition=gpu\n", script);
        Assert.Contains("#SBATCH --time=01:00:00\n", script);
        Assert.Contains("'/data/my zoo'", script);
        Assert.Contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\"", script);
        Assert.Throws<ArgumentException>(() => SlurmArray.Script(new SlurmArrayOptions(_dir.Path, 4, ["x"]) { Partition = "a;rm -rf /" }));
        Assert.Throws<ArgumentException>(() => SlurmArray.Script(new SlurmArrayOptions(_dir.File("with space"), 4, ["x"])));
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
