using Noether.Internal;

namespace Noether.Plots;

/// <summary>Writes a file by writing a temporary file in the same directory and renaming it over the target.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/>; readers see the old file or the whole new one, never
    /// a part. Temporary files of killed writers in the directory are removed first.
    /// </summary>
    internal static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        TempFiles.CleanStale(Path.GetDirectoryName(full)!);
        string temp = TempFiles.For(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
