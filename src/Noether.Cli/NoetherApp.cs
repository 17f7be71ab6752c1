using System.CommandLine;
using Noether.Cli.Commands;

namespace Noether.Cli;

/// <summary>Builds the <c>noether</c> command tree and runs it with uniform error handling and Ctrl-C support.</summary>
public static class NoetherApp
{
    /// <summary>Builds the root command with every verb.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Noether: the parameter symmetries of neural networks, made usable.");
        root.Options.Add(ModelArguments.DimOption());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(SymmetryCommands.Inspect());
        root.Subcommands.Add(SymmetryCommands.Transform());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(SymmetryCommands.Canonicalize());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(ConserveCommand.Create());
        root.Subcommands.Add(TeleportCommand.Create());
        root.Subcommands.Add(AlignmentCommands.Align());
        root.Subcommands.Add(AlignmentCommands.Merge());
        root.Subcommands.Add(AlignmentCommands.Barrier());
        root.Subcommands.Add(EvaluateCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; returns the process exit code (0 success, 1 check failed, 2 usage/input error, 130 cancelled).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = Build();
        var config = new InvocationConfiguration { Output = stdout ?? Console.Out, Error = stderr ?? Console.Error, EnableDefaultExceptionHandler = false };
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count == 0 && root.Options.FirstOrDefault(o => o.Name == "--dim") is Option<string[]> dim)
                ModelArguments.SetDims(parsed.GetValue(dim));
            return await parsed.InvokeAsync(config);
        }
        catch (OperationCanceledException)
        {
            (stderr ?? Console.Error).WriteLine("noether: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or NotSupportedException or UnauthorizedAccessException or InvalidDataException)
        {
            (stderr ?? Console.Error).WriteLine($"noether: {e.Message}");
            // NOETHER_TRACE=1 adds where it happened, for bug reports.
            if (Environment.GetEnvironmentVariable("NOETHER_TRACE") is "1") (stderr ?? Console.Error).WriteLine(e.ToString());
            return ExitCodes.InputError;
        }
    }
}

/// <summary>Process exit codes shared by every verb.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The command ran but its check failed (e.g. verify found a difference).</summary>
    public const int CheckFailed = 1;
    /// <summary>Bad input: missing or corrupt file, wrong shapes, unknown names.</summary>
    public const int InputError = 2;
    /// <summary>Cancelled by Ctrl-C.</summary>
    public const int Cancelled = 130;
}
