using System.Text.Json.Nodes;
using Noether.IO.Tests;
using Noether.IO.Tests.HuggingFace;

namespace Noether.Cli.Tests;

/// <summary>
/// Damaged checkpoint folders: a missing shard, an index naming a tensor its shard lacks, a config whose shapes the
/// tensors do not have, a truncated shard. Each is one line naming the file and the tensor, exit code 2, for every
/// verb that reads the folder, and nothing is written (no output folder, no temporary folder left beside it).
/// </summary>
public sealed class HuggingFaceBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private const string Sharded = "mistral-bf16-sharded";

    private string Damaged(string how)
    {
        var folder = HfTestData.Copy(Sharded, _dir.Path);
        var index = Path.Combine(folder, "model.safetensors.index.json");
        switch (how)
        {
            case "missing-shard":
                File.Delete(Path.Combine(folder, "model-00002-of-00003.safetensors"));
                break;
            case "index-names-absent-tensor":
                var node = JsonNode.Parse(File.ReadAllText(index))!;
                node["weight_map"]!["model.layers.7.mlp.up_proj.weight"] = "model-00001-of-00003.safetensors";
                File.WriteAllText(index, node.ToJsonString());
                break;
            case "config-width":
                var config = Path.Combine(folder, "config.json");
                var c = JsonNode.Parse(File.ReadAllText(config))!;
                c["intermediate_size"] = 80;
                File.WriteAllText(config, c.ToJsonString());
                break;
            case "config-layers":
                var config2 = Path.Combine(folder, "config.json");
                var c2 = JsonNode.Parse(File.ReadAllText(config2))!;
                c2["num_hidden_layers"] = 1;
                File.WriteAllText(config2, c2.ToJsonString());
                break;
            case "truncated-shard":
                var shard = Path.Combine(folder, "model-00003-of-00003.safetensors");
                using (var s = new FileStream(shard, FileMode.Open)) s.SetLength(s.Length - 100);
                break;
        }
        return folder;
    }

    public static TheoryData<string, string, string> Cases => new()
    {
        // how, the file the message names, what else it names
        { "missing-shard", "model.safetensors.index.json", "model-00002-of-00003.safetensors" },
        { "index-names-absent-tensor", "model-00001-of-00003.safetensors", "model.layers.7.mlp.up_proj.weight" },
        { "config-width", "model-0000", "mlp." },
        { "config-layers", "model-0000", "model.layers.1." },
        { "truncated-shard", "model-00003-of-00003.safetensors", "'" },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task OneLineNamingFileAndTensorExit2NothingWritten(string how, string file, string detail)
    {
        var folder = Damaged(how);
        var outputs = _dir.File("out");
        var ids = Path.Combine(HfTestData.Folder(Sharded), "input_ids.npy");
        string[][] commands =
        [
            ["transform", folder, "--random", "--out", outputs],
            ["canonicalize", folder, "--out", outputs],
            ["run", folder, "--input", ids, "--output-dir", outputs],
            ["inspect", folder],
            ["summary", folder],
            ["verify", folder, HfTestData.Folder(Sharded)],
        ];
        foreach (var args in commands)
        {
            var (code, _, err) = await CliRunner.Run(args);
            Assert.True(code == 2, $"{how}: noether {args[0]} exited {code}: {err}");
            var line = err.Trim();
            Assert.DoesNotContain('\n', line);
            Assert.Contains(file, line);
            Assert.Contains(detail, line);
            if (how != "missing-shard") Assert.Contains("tensor '", line);
            Assert.False(Directory.Exists(outputs), $"{how}: noether {args[0]} wrote {outputs}");
            Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path).Where(p => Path.GetFileName(p).StartsWith('.')));
        }
    }
}
