namespace Noether.IO;

/// <summary>
/// Base of the exceptions thrown for malformed model files (<see cref="SafetensorsFormatException"/>,
/// <see cref="NpyFormatException"/>). It derives from <see cref="IOException"/> because
/// <see cref="InvalidDataException"/>, the natural parent, is sealed.
/// </summary>
public abstract class ModelFormatException : IOException
{
    /// <summary>Creates the exception with a complete message.</summary>
    protected ModelFormatException(string path, string message, Exception? inner) : base(message, inner) => FilePath = path;

    /// <summary>The file (or archive member, or stream description) being read.</summary>
    public string FilePath { get; }
}
