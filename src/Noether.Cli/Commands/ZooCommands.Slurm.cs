using System.CommandLine;
using Noether.IO.Zoo;

namespace Noether.Cli.Commands;

internal static partial class ZooCommands
{
    private static Command Slurm()
    {
        var def = new ZooDefinition();
        var shards = new Option<int>("--shards") { Description = "Array tasks K; task i trains shard i/K.", Required = true }.AtLeast(1);
        var cpus = new Option<int>("--cpus-per-task") { Description = "Cores per task (models trained at once in a shard).", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)." };
        var time = new Option<string?>("--time") { Description = "Time limit per task, e.g. 02:00:00." };
        var memory = new Option<string?>("--mem") { Description = "Memory per task, e.g. 4G." };
        var maxConcurrent = new Option<int?>("--max-concurrent") { Description = "Run at most this many tasks at once." }.AtLeast(1);
        var script = new Option<string?>("--script") { Description = "Where to write the sbatch script (default DIR/zoo.sbatch)." };
        var submit = new Option<bool>("--submit") { Description = "Submit the script with sbatch and print the job id." };
        var json = CliOutput.JsonOption();
        var cmd = new Command("slurm", "Write (and with --submit, submit) an sbatch --array script that generates a zoo, one shard per array task.")
            { shards, cpus, partition, time, memory, maxConcurrent, script, submit, json };
        foreach (var o in def.All) cmd.Options.Add(o);
        cmd.SetAction((parse, cancel) =>
        {
            string dir = Path.GetFullPath(parse.GetValue(def.Out)!);
            Directory.CreateDirectory(dir);
            string path = Path.GetFullPath(parse.GetValue(script) ?? Path.Combine(dir, "zoo.sbatch"));
            var options = new SlurmArrayOptions(dir, parse.GetValue(shards), [.. Launcher(), "zoo", "generate", .. def.Words(parse)])
            {
                CpusPerTask = parse.GetValue(cpus),
                Partition = parse.GetValue(partition),
                TimeLimit = parse.GetValue(time),
                Memory = parse.GetValue(memory),
                MaxConcurrent = parse.GetValue(maxConcurrent),
            };
            SlurmArray.Write(path, options);
            string? job = parse.GetValue(submit) ? SlurmArray.Submit(path, cancel) : null;
            if (parse.GetValue(json))
                CliOutput.WriteJson(parse.InvocationConfiguration.Output, new { script = path, directory = dir, shards = options.Shards, job_id = job });
            else
            {
                parse.InvocationConfiguration.Output.WriteLine($"wrote {TerminalText.Escape(path)} ({options.Shards} array tasks)");
                parse.InvocationConfiguration.Output.WriteLine(job is null ? $"submit with: sbatch {TerminalText.Escape(path)}" : $"submitted job {job}; follow with: noether zoo status {TerminalText.Escape(dir)}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    /// <summary>
    /// How to run this noether from a batch script: the apphost itself, or <c>dotnet noether.dll</c> when running
    /// under the dotnet host (or inside a test host).
    /// </summary>
    private static string[] Launcher()
    {
        string dll = typeof(ZooCommands).Assembly.Location;
        string? process = Environment.ProcessPath;
        string apphost = Path.Combine(Path.GetDirectoryName(dll)!, "noether");
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "noether") return [process];
        if (File.Exists(apphost) && !OperatingSystem.IsWindows()) return [apphost];
        string dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return [dotnet, dll];
    }
}
