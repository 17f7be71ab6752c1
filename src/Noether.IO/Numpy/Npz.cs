using System.IO.Compression;
using System.Numerics;
using Noether.IO.Internal;
using Noether.Tensors;
using static Noether.IO.NpyErrorKind;

namespace Noether.IO;

/// <summary>
/// NumPy .npz archives: zip files whose members "NAME.npy" hold one array each. Reading accepts stored and
/// deflated members; writing stores members uncompressed with fixed timestamps, so equal inputs give equal bytes.
/// </summary>
public static class Npz
{
    private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Reads every array of an archive, in archive order; throws <see cref="NpyFormatException"/> if malformed.</summary>
    public static IReadOnlyDictionary<string, Tensor<T>> Read<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read<T>(stream, path);
    }

    /// <summary>Reads every array of an archive held in a seekable stream; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, Tensor<T>> Read<T>(Stream stream, string source) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        var result = new OrderedDictionary<string, Tensor<T>>(StringComparer.Ordinal);
        string member = source;
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in archive.Entries)
            {
                member = $"{source}[{entry.FullName}]";
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    throw new NpyFormatException(UnexpectedEntry, member, "member is not a .npy file");
                var name = entry.FullName[..^4];
                if (result.ContainsKey(name))
                    throw new NpyFormatException(DuplicateEntry, member, $"a second member holds the array '{name}'");
                using var memberStream = entry.Open();
                result.Add(name, Npy.Read<T>(memberStream, member));
            }
        }
        catch (Exception e) when (e is not ModelFormatException && IsArchiveFault(e))
        {
            throw new NpyFormatException(InvalidArchive, member, $"not a readable zip archive: {e.Message}", e);
        }
        return result;
    }

    /// <summary>Writes float, double or Half arrays atomically as NAME.npy members (stored, not compressed).</summary>
    public static void Write<T>(string path, IEnumerable<KeyValuePair<string, Tensor<T>>> arrays) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ElementTypes.RequireKindOf<T>("Npz.Write");
        var list = arrays.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Array names must not be empty", nameof(arrays));
            ArgumentNullException.ThrowIfNull(tensor, nameof(arrays));
            if (!names.Add(name)) throw new ArgumentException($"Two arrays are named '{name}'", nameof(arrays));
        }
        AtomicFile.Write(path, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, tensor) in list)
            {
                var entry = archive.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
                entry.LastWriteTime = ZipEpoch;
                using var entryStream = entry.Open();
                Npy.Write(entryStream, tensor);
            }
        });
    }

    /// <summary>
    /// Exceptions by which System.IO.Compression reports a corrupt archive. Plain <see cref="IOException"/>s are
    /// included because the zip reader uses them for impossible offsets; a genuinely failing disk is then also
    /// reported as <see cref="NpyErrorKind.InvalidArchive"/>, with the original exception as the inner one.
    /// </summary>
    private static bool IsArchiveFault(Exception e) => e is InvalidDataException or NotSupportedException or EndOfStreamException
        or ArgumentException or OverflowException or IOException { InnerException: null } and not FileNotFoundException and not DirectoryNotFoundException;
}
