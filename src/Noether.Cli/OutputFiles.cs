using System.CommandLine;
using Noether.Internal;
using Noether.Cli.Commands;
using Noether.IO;

namespace Noether.Cli;

/// <summary>
/// The one overwrite policy of every verb that writes: an existing output is refused unless <c>--overwrite</c>, an
/// input is never an output, and the folder must be writable — all checked before any work is done.
/// </summary>
internal static class OutputFiles
{
    /// <summary>The <c>--overwrite</c> option.</summary>
    public static Option<bool> OverwriteOption() => new("--overwrite") { Description = "Replace output files that exist (an input file is never replaced)." };

    /// <summary>
    /// Throws unless <paramref name="output"/> may be written: it is none of <paramref name="inputs"/>, it does not
    /// exist (or <paramref name="overwrite"/>), and its folder exists and accepts new files.
    /// </summary>
    public static void Check(string output, bool overwrite, params IEnumerable<string> inputs)
    {
        foreach (var i in inputs)
            if (ModelPrecision.SamePath(i, output)) throw new ArgumentException($"refusing to overwrite the input {i}; choose another output");
        if (Directory.Exists(output)) throw new IOException($"{output} is a directory; give a file name");
        if (File.Exists(output) && !overwrite) throw new IOException($"{output} exists; pass --overwrite to replace it");
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{output}: directory {folder} does not exist");
        Probe(folder, output);
    }

    /// <summary><see cref="Check"/> for a model file, which also needs a model extension (.safetensors, .onnx).</summary>
    public static void CheckModel(string output, bool overwrite, params IEnumerable<string> inputs)
    {
        var sources = inputs.ToArray();
        if (sources.Length > 0 && Noether.IO.HuggingFace.HuggingFaceCheckpoint.IsCheckpoint(sources[0]))
        {
            CheckCheckpointFolder(output, overwrite, sources);
            return;
        }
        ModelFiles.CheckWritable(output);
        Check(output, overwrite, inputs);
    }

    /// <summary>
    /// Checks a folder of outputs (not created here: the writers create it): none of <paramref name="names"/> in it may exist unless
    /// <paramref name="overwrite"/>, nor be an input. Returns the full paths.
    /// </summary>
    public static string[] CheckFolder(string folder, IEnumerable<string> names, bool overwrite, params IEnumerable<string> inputs)
    {
        if (File.Exists(folder)) throw new IOException($"{folder} is a file; give a directory");
        var paths = names.Select(n => Path.Combine(folder, n)).ToArray();
        var existing = paths.Where(File.Exists).ToArray();
        foreach (var p in paths)
            foreach (var i in inputs)
                if (ModelPrecision.SamePath(i, p)) throw new ArgumentException($"output {p} would overwrite the input {i}");
        if (existing.Length > 0 && !overwrite)
            throw new IOException($"{folder} already holds {string.Join(", ", existing.Select(Path.GetFileName).Take(3))}{(existing.Length > 3 ? $" and {existing.Length - 3} more" : "")}; pass --overwrite to replace them");
        var existingFolder = Path.GetFullPath(folder);
        while (!Directory.Exists(existingFolder))
            existingFolder = Path.GetDirectoryName(existingFolder) ?? throw new DirectoryNotFoundException($"{folder}: no existing parent directory");
        Probe(existingFolder, folder);
        return paths;
    }

    /// <summary>
    /// The output of a verb that read a Hugging Face checkpoint folder is a folder: not an input, not a file, absent
    /// (or replaced with <paramref name="overwrite"/>), in an existing writable folder.
    /// </summary>
    private static void CheckCheckpointFolder(string output, bool overwrite, string[] inputs)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        foreach (var i in inputs)
            if (string.Equals(full, Path.TrimEndingDirectorySeparator(Path.GetFullPath(i)), StringComparison.Ordinal))
                throw new ArgumentException($"refusing to overwrite the input {i}; choose another output folder");
        if (File.Exists(full)) throw new IOException($"{output} is a file; a Hugging Face checkpoint is written as a folder");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !overwrite)
            throw new IOException($"{output} exists; pass --overwrite to replace it");
        var parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent)) throw new DirectoryNotFoundException($"{output}: directory {parent} does not exist");
        Probe(parent, output);
    }

    /// <summary>
    /// Runs <paramref name="write"/>, which writes <paramref name="targets"/>; when it is cancelled part way, the
    /// targets it had already created are deleted again, so a cancelled command leaves nothing new behind.
    /// </summary>
    public static T Batch<T>(IEnumerable<string> targets, Func<T> write)
    {
        var fresh = targets.Where(t => !File.Exists(t)).ToArray();
        try { return write(); }
        catch (OperationCanceledException)
        {
            foreach (var t in fresh)
                try { File.Delete(t); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Creates and deletes a temporary file in <paramref name="folder"/>: fails now, not after the work, when it is read-only.</summary>
    private static void Probe(string folder, string output)
    {
        var probe = TempFiles.For(Path.Combine(folder, "noether-write-check"));
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
            File.Delete(probe);
        }
        catch (UnauthorizedAccessException) { throw new UnauthorizedAccessException($"{output}: cannot write to {folder} (permission denied)"); }
        catch (IOException e) { throw new IOException($"{output}: cannot write to {folder}: {e.Message}"); }
    }
}
