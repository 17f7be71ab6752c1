using System.Text;

namespace Noether.Cli;

/// <summary>
/// Makes text that comes from files (graph, node and tensor names, messages quoting file content) safe to print:
/// control characters, escape sequences and bidirectional overrides are shown escaped (<c>\x1b</c>, <c>\u202e</c>)
/// so a file cannot move the cursor, recolour or retitle the terminal, or reorder what is shown.
/// </summary>
internal static class TerminalText
{
    /// <summary>The text with every control or formatting-override character written as an escape.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        int i = 0;
        while (i < text.Length && !Unsafe(text[i])) i++;
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!Unsafe(c)) sb.Append(c);
            else if (c < 0x100) sb.Append("\\x").Append(((int)c).ToString("x2"));
            else sb.Append("\\u").Append(((int)c).ToString("x4"));
        }
        return sb.ToString();
    }

    /// <summary><see cref="Escape"/>d text escaped again for Spectre.Console markup.</summary>
    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Escape(text));

    /// <summary>C0 and C1 controls, DEL, line and paragraph separators, and bidirectional marks, embeddings, overrides and isolates.</summary>
    private static bool Unsafe(char c) => char.IsControl(c)
        || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' or '\u061c' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
