using System.CommandLine;
using System.CommandLine.Help;
using Noether.Cli.Commands;
using Noether.IO;

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
        root.Subcommands.Add(GraphCommand.Create());
        root.Subcommands.Add(ConserveCommand.Create());
        root.Subcommands.Add(TeleportCommand.Create());
        root.Subcommands.Add(AlignmentCommands.Align());
        root.Subcommands.Add(AlignmentCommands.Merge());
        root.Subcommands.Add(AlignmentCommands.Barrier());
        root.Subcommands.Add(ProvenanceCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(RepresentationCommands.Similarity());
        root.Subcommands.Add(RepresentationCommands.Stitch());
        root.Subcommands.Add(RepresentationCommands.StitchSummary());
        root.Subcommands.Add(RepresentationCommands.Basis());
        root.Subcommands.Add(EigenCommand.Create());
        root.Subcommands.Add(ZooCommands.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs; returns the process exit code (<see cref="ExitCodes"/>). Parse errors, including option
    /// values out of range, exit 2 with one line on stderr; with <c>--json</c> every error is also a JSON object on
    /// stdout. <paramref name="cancel"/> (Ctrl-C, SIGTERM) stops the verb: exit 130, nothing written.
    /// <paramref name="stdout"/> and <paramref name="stderr"/> default to the process's streams.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancel = default)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        bool json = CliErrors.JsonRequested(args);
        CliConsole.Configure(output, processConsole: stdout is null);
        // Our own signal handling (CancellationSignals) cancels `cancel`; System.CommandLine's is off (null timeout).
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        using var writes = FileCancellation.Scope(cancel);
        try
        {
            var parsed = Build().Parse(args);
            if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
                return CliErrors.Report(output, error, json, CliErrors.Usage(parsed), ExitCodes.InputError);
            if (parsed.Errors.Count == 0 && parsed.RootCommandResult.Command.Options.FirstOrDefault(o => o.Name == "--dim") is Option<string[]> dim)
                ModelArguments.SetDims(parsed.GetValue(dim));
            cancel.ThrowIfCancellationRequested();
            int code = await parsed.InvokeAsync(config, cancel);
            return code;
        }
        catch (Exception e) when (Cancelled(e))
        {
            return CliErrors.Report(output, error, json, "cancelled", ExitCodes.Cancelled);
        }
        catch (Exception e) when (InputError(e) is { } reason)
        {
            // NOETHER_TRACE=1 adds where it happened, for bug reports.
            if (Environment.GetEnvironmentVariable("NOETHER_TRACE") is "1") error.WriteLine(e);
            return CliErrors.Report(output, error, json, reason.Message, ExitCodes.InputError);
        }
        catch (Exception e)
        {
            if (Environment.GetEnvironmentVariable("NOETHER_TRACE") is "1") error.WriteLine(e);
            return CliErrors.Report(output, error, json, $"internal error ({e.GetType().Name}): {e.Message} (a bug: please report it; NOETHER_TRACE=1 shows where)", ExitCodes.InternalError);
        }
    }

    private static bool Cancelled(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(Cancelled),
        _ => false,
    };

    /// <summary>The exception that explains bad input (unwrapping a parallel loop's AggregateException of one), or null.</summary>
    private static Exception? InputError(Exception e) => e switch
    {
        ArgumentException or InvalidOperationException or IOException or FormatException or NotSupportedException
            or UnauthorizedAccessException or InvalidDataException or OverflowException => e,
        AggregateException { InnerExceptions.Count: 1 } a => InputError(a.InnerExceptions[0]),
        _ => null,
    };
}

/// <summary>Process exit codes shared by every verb.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The command ran but its check failed (e.g. verify found a difference).</summary>
    public const int CheckFailed = 1;
    /// <summary>Bad usage or input: unknown or mistyped options, values out of range, missing or corrupt files, wrong shapes, refused overwrites.</summary>
    public const int InputError = 2;
    /// <summary>A bug in Noether (an unexpected exception); the message says so.</summary>
    public const int InternalError = 70;
    /// <summary>Cancelled by Ctrl-C (SIGINT) or SIGTERM; nothing was written.</summary>
    public const int Cancelled = 130;
}
