namespace Noether.IO.Zoo;

/// <summary>A zoo directory is incomplete or inconsistent (missing or duplicate shards, a malformed record).</summary>
public sealed class ZooFormatException : ModelFormatException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the file or directory.</summary>
    public ZooFormatException(string path, string message, Exception? inner = null) : base(path, message, inner) { }
}
