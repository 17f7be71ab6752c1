using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

// Shared source (linked into Noether.IO, Noether.Plots and Noether.Cli): one naming pattern for the temporary files
// of atomic writes, so any of them can recognise, and clean up, the leftovers of a killed writer.
namespace Noether.Internal;

/// <summary>
/// Names of the temporary files atomic writes go through, <c>.NAME.PID.GUID.tmp</c> beside the target, and the
/// clean-up of stale ones: files of exactly that pattern whose process is no longer running and that are older than
/// the current process.
/// </summary>
internal static partial class TempFiles
{
    /// <summary>A fresh temporary path beside <paramref name="fullPath"/>, carrying this process's id.</summary>
    public static string For(string fullPath)
    {
        var directory = Path.GetDirectoryName(fullPath)!;
        return Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>True when <paramref name="fileName"/> (no directory) has the pattern of <see cref="For"/>; gives the writer's process id.</summary>
    public static bool TryParse(string fileName, out int processId)
    {
        processId = 0;
        var m = Pattern().Match(fileName);
        return m.Success && int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out processId);
    }

    /// <summary>
    /// Deletes the temporary files in <paramref name="directory"/> left by writers that died (killed mid-write): only
    /// names of exactly our pattern, whose process id is not running, last written before this process started.
    /// Never throws: a file that cannot be inspected or deleted is left alone. Returns how many were removed.
    /// </summary>
    public static int CleanStale(string directory)
    {
        int removed = 0;
        try
        {
            if (!Directory.Exists(directory)) return 0;
            var started = ProcessStart();
            foreach (var path in Directory.EnumerateFiles(directory, ".*.tmp"))
            {
                if (!TryParse(Path.GetFileName(path), out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
                try
                {
                    if (File.GetLastWriteTimeUtc(path) >= started) continue;
                    File.Delete(path);
                    removed++;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    private static DateTime ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime();
    }

    private static bool IsRunning(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    [GeneratedRegex(@"^\..+\.(?<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
