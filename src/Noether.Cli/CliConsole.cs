using Spectre.Console;

namespace Noether.Cli;

/// <summary>
/// The consoles verbs print to. Tables and results go to stdout; progress displays go to stderr and only when it is
/// a terminal. No ANSI and no wrapping when stdout is not a terminal (a pipe or file gets plain lines);
/// <c>NO_COLOR</c> (any non-empty value) turns colour off and <c>COLUMNS</c> sets the width.
/// </summary>
internal static class CliConsole
{
    /// <summary>The width used when output is not a terminal and COLUMNS is unset: long enough that nothing wraps.</summary>
    public const int Unwrapped = 32767;

    private static IAnsiConsole s_progress = Silent();

    /// <summary>
    /// Points <see cref="AnsiConsole.Console"/> at <paramref name="stdout"/>. <paramref name="processConsole"/> says
    /// whether <paramref name="stdout"/> is the process's own standard output (else it is never a terminal).
    /// </summary>
    public static void Configure(TextWriter stdout, bool processConsole)
    {
        bool tty = processConsole && !Console.IsOutputRedirected;
        AnsiConsole.Console = Create(stdout, tty);
        s_progress = processConsole && !Console.IsErrorRedirected ? Create(Console.Error, tty: true) : Silent();
    }

    /// <summary>A progress display on stderr (drawn only when stderr is a terminal).</summary>
    public static Progress Progress() => new(s_progress);

    /// <summary>A status spinner on stderr (drawn only when stderr is a terminal).</summary>
    public static Status Status() => new(s_progress);

    /// <summary>A console writing to <paramref name="writer"/>, with colour and wrapping as described on the class.</summary>
    internal static IAnsiConsole Create(TextWriter writer, bool tty)
    {
        bool color = ColorAllowed(tty);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = tty ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = tty ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (Columns() is int columns) console.Profile.Width = columns;
        else if (!tty) console.Profile.Width = Unwrapped;
        return console;
    }

    /// <summary>Colour only on a terminal, and not when NO_COLOR is set to anything non-empty (no-color.org).</summary>
    internal static bool ColorAllowed(bool tty) => tty && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>COLUMNS when it is a positive integer.</summary>
    private static int? Columns() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int c) && c > 0 ? Math.Min(c, Unwrapped) : null;

    private static IAnsiConsole Silent() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(TextWriter.Null),
    });
}
