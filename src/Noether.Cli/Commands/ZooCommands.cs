using System.CommandLine;
using Noether.IO.Zoo;
using Noether.Nn.Data;
using Noether.Nn.Zoo;
using Spectre.Console;

namespace Noether.Cli.Commands;

/// <summary><c>noether zoo</c>: generate model zoos (sharded, resumable, on Slurm), merge and inspect them.</summary>
internal static partial class ZooCommands
{
    public static Command Create()
    {
        var cmd = new Command("zoo", "Model zoos: many small networks of varied hyperparameters, generated in shards (on Slurm job arrays), merged, and learned from.");
        cmd.Subcommands.Add(Generate());
        cmd.Subcommands.Add(Merge());
        cmd.Subcommands.Add(Slurm());
        cmd.Subcommands.Add(Status());
        cmd.Subcommands.Add(Predict());
        return cmd;
    }

    /// <summary>The options that define a zoo (shared by generate and slurm).</summary>
    private sealed class ZooDefinition
    {
        public readonly Option<string> Recipe = new Option<string>("--recipe") { Description = "small-cnn (3×conv16 stride 2, 4,970 parameters) or mlp (32-32).", DefaultValueFactory = _ => "small-cnn" }.OneOf([.. ZooRecipe.Names]);
        public readonly Option<string> Data = new Option<string>("--data") { Description = $"Data set: {string.Join(", ", Datasets.Names)}.", DefaultValueFactory = _ => "digits" }.OneOf([.. Datasets.Names]);
        public readonly Option<string?> DataDir = new("--data-dir") { Description = $"Directory of the Fashion-MNIST IDX files (default {Datasets.FashionMnistDirectory})." };
        public readonly Option<int> Count = new Option<int>("--count") { Description = "Models in the whole zoo (all shards).", Required = true }.AtLeast(1);
        public readonly Option<ulong> Seed = new("--seed") { Description = "Recipe seed: model i's hyperparameters and seed depend only on it and i.", DefaultValueFactory = _ => 0UL };
        public readonly Option<int?> MaxEpochs = new Option<int?>("--max-epochs") { Description = "Models train 1..this many epochs (default 20 on digits, 3 on fashion-mnist)." }.AtLeast(1);
        public readonly Option<string> Out = new("--out") { Description = "Zoo directory (created if missing; shards may share it).", Required = true };

        public IEnumerable<Option> All => [Recipe, Data, DataDir, Count, Seed, MaxEpochs, Out];

        public ZooRecipe RecipeOf(ParseResult p)
        {
            string data = p.GetValue(Data)!;
            int epochs = p.GetValue(MaxEpochs) ?? (data == "digits" ? 20 : 3);
            return new ZooRecipe(p.GetValue(Recipe)!, p.GetValue(Seed), epochs).Validate();
        }

        /// <summary>The defining options as command-line words (for the Slurm script).</summary>
        public IEnumerable<string> Words(ParseResult p)
        {
            var r = RecipeOf(p);
            yield return "--recipe"; yield return r.Name;
            yield return "--data"; yield return p.GetValue(Data)!;
            if (p.GetValue(DataDir) is { } d) { yield return "--data-dir"; yield return Path.GetFullPath(d); }
            yield return "--count"; yield return p.GetValue(Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return "--seed"; yield return r.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return "--max-epochs"; yield return r.MaxEpochs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return "--out"; yield return Path.GetFullPath(p.GetValue(Out)!);
        }
    }

    private static Command Generate()
    {
        var def = new ZooDefinition();
        var shard = new Option<string>("--shard") { Description = "Train shard i of K (i/K, from 0); shards split the model indices into contiguous disjoint blocks.", DefaultValueFactory = _ => "0/1" }
            .Parses(s => ZooShard.Parse(s));
        var workers = new Option<int>("--workers") { Description = "Models trained at once, one per thread (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var json = CliOutput.JsonOption();
        var cmd = new Command("generate", "Train (or resume) one shard of a zoo: hyperparameters sampled per model from a seeded recipe, checkpoints at several epochs as safetensors with metadata, an index per shard.")
            { shard, workers, json };
        foreach (var o in def.All) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            var options = new ZooGenerateOptions(def.RecipeOf(parse), parse.GetValue(def.Data)!, parse.GetValue(def.Count), parse.GetValue(def.Out)!,
                ZooShard.Parse(parse.GetValue(shard)!))
            { DataDirectory = parse.GetValue(def.DataDir), Workers = parse.GetValue(workers) };
            bool asJson = parse.GetValue(json);
            var result = CliProgress.Run(CliProgress.Enabled(parse, asJson), stage =>
            {
                var fraction = stage($"zoo shard {options.Shard}: training");
                var progress = fraction is null ? null : new SyncProgress<ZooProgress>(p => fraction.Report((double)p.Done / p.Total));
                return ZooGenerator.Generate(options, progress, cancel);
            });
            var models = result.Index.Models;
            var finals = models.Where(m => m.Checkpoints.Count > 0).Select(m => m.Checkpoints[^1].TestAccuracy).ToArray();
            var summary = new
            {
                directory = Path.GetFullPath(options.Directory),
                shard = options.Shard.ToString(),
                models = models.Count,
                trained = result.Trained,
                already_done = result.AlreadyDone,
                diverged = models.Count(m => m.Status == "diverged"),
                checkpoints = models.Sum(m => m.Checkpoints.Count),
                mean_final_accuracy = finals.Length > 0 ? finals.Average() : double.NaN,
                seconds = result.Seconds,
                models_per_hour = result.Trained > 0 ? result.Trained / result.Seconds * 3600 : double.NaN,
            };
            if (asJson) CliOutput.WriteJson(parse.InvocationConfiguration.Output, summary);
            else
            {
                var o = parse.InvocationConfiguration.Output;
                o.WriteLine($"zoo shard {summary.shard}: {summary.models} models ({summary.trained} trained now, {summary.already_done} already done, {summary.diverged} diverged), {summary.checkpoints} checkpoints");
                if (finals.Length > 0) o.WriteLine($"mean final test accuracy {summary.mean_final_accuracy:P2}; {summary.seconds:F1} s ({summary.models_per_hour:F0} models/hour)");
                o.WriteLine($"index: {TerminalText.Escape(ZooLayout.ShardIndex(summary.directory, options.Shard))}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static Command Merge()
    {
        var dirs = new Argument<string[]>("directories") { Description = "Zoo directories holding the shards (one shared directory, or one per shard).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "Where index.json and index.csv go (default: the first directory)." };
        var json = CliOutput.JsonOption();
        var cmd = new Command("merge", "Join the shard indexes of a zoo into index.json and index.csv, refusing missing, unfinished or duplicate shards.") { dirs, output, json };
        cmd.SetAction((parse, cancel) =>
        {
            var inputs = parse.GetValue(dirs)!;
            string outDir = parse.GetValue(output) ?? inputs[0];
            var index = ZooMerger.Merge(inputs, outDir);
            var m = index.Manifest;
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    directory = Path.GetFullPath(outDir),
                    recipe = m.Recipe, recipe_seed = m.RecipeSeed, data = m.Data, shards = m.Shards,
                    models = index.Models.Count,
                    checkpoints = index.Models.Sum(r => r.Checkpoints.Count),
                    diverged = index.Models.Count(r => r.Status == "diverged"),
                });
            else
                parse.InvocationConfiguration.Output.WriteLine(
                    $"merged {m.Shards} shards: {index.Models.Count} models, {index.Models.Sum(r => r.Checkpoints.Count)} checkpoints → {TerminalText.Escape(Path.Combine(Path.GetFullPath(outDir), ZooLayout.IndexJson))}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static Command Status()
    {
        var dir = new Argument<string>("directory") { Description = "Zoo directory." };
        var json = CliOutput.JsonOption();
        var cmd = new Command("status", "Progress of each shard of a zoo: models recorded, finished or not, shards not started.") { dir, json };
        cmd.SetAction((parse, cancel) =>
        {
            var shards = ZooStatus.Read(parse.GetValue(dir)!);
            var missing = ZooStatus.Missing(shards);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new
                {
                    shards = shards.Select(s => new { shard = s.Shard, of = s.Shards, first = s.First, end = s.End, done = s.Done, total = s.Total, state = s.State }),
                    not_started = missing,
                    done = shards.Sum(s => s.Done),
                    total = shards.Count > 0 ? shards[0].Models : 0,
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            if (shards.Count == 0) { parse.InvocationConfiguration.Output.WriteLine("no zoo shards here"); return Task.FromResult(ExitCodes.Ok); }
            var table = new Table().AddColumns("shard", "models", "done", "state");
            foreach (var s in shards) table.AddRow($"{s.Shard}/{s.Shards}", $"{s.First}..{s.End - 1}", $"{s.Done}/{s.Total}", s.State);
            foreach (var i in missing) table.AddRow($"{i}/{shards[0].Shards}", "", "0", "not started");
            AnsiConsole.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>An IProgress that reports on the calling thread (no synchronisation context hop).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
