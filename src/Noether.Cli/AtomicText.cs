using System.Text;
using Noether.Internal;
using Noether.IO;

namespace Noether.Cli;

/// <summary>Writes text files atomically: a temporary file in the target's directory, flushed, then renamed over the target.</summary>
internal static class AtomicText
{
    /// <summary>
    /// Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/>; the directory must exist. Stops
    /// without touching the target when the flow's <see cref="FileCancellation"/> token is cancelled.
    /// </summary>
    public static void Write(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var cancel = FileCancellation.Current;
        cancel.ThrowIfCancellationRequested();
        TempFiles.CleanStale(Path.GetDirectoryName(full)!);
        var temp = TempFiles.For(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(new UTF8Encoding(false).GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            cancel.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
