namespace Noether.IO;

/// <summary>
/// Base of the exceptions thrown for malformed model files (<see cref="SafetensorsFormatException"/>,
/// <see cref="NpyFormatException"/>). It derives from <see cref="IOException"/> because
/// <see cref="InvalidDataException"/>, the natural parent, is sealed.
/// </summary>
public abstract class ModelFormatException : IOException
{
    /// <summary>
    /// Creates the exception with a complete message. Control characters (names read from a hostile file may hold
    /// newlines or terminal escapes) are shown escaped, so the message is always one line.
    /// </summary>
    protected ModelFormatException(string path, string message, Exception? inner) : base(Escape(message), inner) => FilePath = path;

    /// <summary>The text with C0/C1 control characters and DEL written as <c>\xNN</c> (<c>\n</c> for newlines).</summary>
    internal static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
            sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\x{(int)c:x2}", _ => c.ToString() });
        return sb.ToString();
    }

    /// <summary>The file (or archive member, or stream description) being read.</summary>
    public string FilePath { get; }
}
