using Noether.Internal;

namespace Noether.IO.Internal;

/// <summary>
/// Writes a file atomically: the content goes to a temporary file in the destination's directory, is flushed to
/// disk, and then replaces the destination with a single rename. Readers see either the old file or the complete
/// new one, never a partial write; on failure the temporary file is removed and the destination is untouched.
/// A cancelled <see cref="FileCancellation"/> scope stops the write the same way. Temporary files of killed writers
/// in the same directory are removed first (see <see cref="TempFiles.CleanStale"/>).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> against a temporary file and renames it onto <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write) => Write(path, write, null);

    /// <summary>
    /// As <see cref="Write(string, Action{Stream})"/>; <paramref name="check"/> reads the complete temporary file (its
    /// path) before the rename and throws to leave the destination untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write, Action<string>? check)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent directory", nameof(path));
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Cannot write '{full}': directory '{directory}' does not exist");
        var cancel = FileCancellation.Current;
        cancel.ThrowIfCancellationRequested();
        TempFiles.CleanStale(directory);
        var temp = TempFiles.For(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(cancel.CanBeCanceled ? new CancellableWriteStream(stream, cancel) : stream);
                cancel.ThrowIfCancellationRequested();
                stream.Flush(flushToDisk: true);
            }
            cancel.ThrowIfCancellationRequested();
            check?.Invoke(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
