using System.CommandLine;
using Spectre.Console;

namespace Noether.Cli;

/// <summary>
/// Progress of a long verb, drawn on stderr only when stderr is this process's terminal (never into pipes, files,
/// <c>--json</c> runs or tests' writers), so stdout stays exactly the verb's output. Work reports stages by name;
/// a stage is indeterminate until it reports a fraction.
/// </summary>
internal static class CliProgress
{
    /// <summary>True when a progress display may be drawn for this invocation.</summary>
    public static bool Enabled(ParseResult parse, bool json)
        => !json && ReferenceEquals(parse.InvocationConfiguration.Error, Console.Error) && !Console.IsErrorRedirected
            && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>
    /// Runs <paramref name="work"/>, which calls its argument to start each named stage and gets the stage's fraction
    /// reporter (null when nothing is drawn).
    /// </summary>
    public static TResult Run<TResult>(bool enabled, Func<Func<string, IProgress<double>?>, TResult> work)
    {
        if (!enabled) return work(_ => null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? current = null;
                IProgress<double> Stage(string name)
                {
                    if (current is not null) { current.IsIndeterminate = false; current.Value = current.MaxValue; current.StopTask(); }
                    current = ctx.AddTask(Markup.Escape(name), maxValue: 1);
                    current.IsIndeterminate = true;
                    return new Fraction(current);
                }
                var result = work(Stage);
                if (current is not null) { current.IsIndeterminate = false; current.Value = current.MaxValue; }
                return result;
            });
    }

    private sealed class Fraction(ProgressTask task) : IProgress<double>
    {
        public void Report(double value)
        {
            task.IsIndeterminate = false;
            task.Value = Math.Clamp(value, 0, 1);
        }
    }
}
