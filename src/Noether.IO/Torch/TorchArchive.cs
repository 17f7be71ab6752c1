using System.IO.Compression;
using System.Text;

namespace Noether.IO.Torch;

/// <summary>
/// The zip container of <c>torch.save</c> (PyTorch ≥ 1.6): <c>PREFIX/data.pkl</c> (the pickle),
/// <c>PREFIX/data/KEY</c> (one member per storage), <c>PREFIX/byteorder</c> (absent before PyTorch 2.1: little) and
/// <c>PREFIX/version</c>. Members are read with their declared sizes checked, so a hostile archive cannot make us
/// inflate more than the storages it declares.
/// </summary>
internal sealed class TorchArchive : IDisposable
{
    /// <summary>Largest pickle read (a state dict's pickle is a few bytes per tensor).</summary>
    public const long MaxPickleBytes = 64L << 20;

    private readonly ZipArchive _zip;
    private readonly string _prefix;

    private TorchArchive(string path, ZipArchive zip, string prefix, bool bigEndian)
    {
        Path = path;
        _zip = zip;
        _prefix = prefix;
        BigEndian = bigEndian;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>True when the storages are big-endian (<c>byteorder</c> says "big").</summary>
    public bool BigEndian { get; }

    /// <summary>Opens a file written by <c>torch.save</c>; legacy, TorchScript and non-zip files are refused with the reason.</summary>
    public static TorchArchive Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch file not found: {path}", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            int n = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            if (n < 4 || !(magic[0] == 'P' && magic[1] == 'K'))
                throw new TorchFormatException(path, n > 0 && magic[0] == 0x80
                    ? "a legacy (pre-1.6, non-zip) torch.save file, which is not read; re-save it with a current PyTorch (torch.save(torch.load(f), g)) or as safetensors"
                    : $"not a PyTorch zip archive ({(n == 0 ? "the file is empty" : $"it starts with {Convert.ToHexString(magic[..n])}")})");
            stream.Position = 0;
            var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToArray();
            if (pickles.Length != 1)
            {
                zip.Dispose();
                throw new TorchFormatException(path, pickles.Length == 0 ? "a zip archive without PREFIX/data.pkl, so not a torch.save file" : $"a zip archive with {pickles.Length} data.pkl members");
            }
            string prefix = pickles[0].FullName[..^"data.pkl".Length];
            if (zip.GetEntry(prefix + "constants.pkl") is not null || zip.Entries.Any(e => e.FullName.StartsWith(prefix + "code/", StringComparison.Ordinal)))
            {
                zip.Dispose();
                throw new TorchFormatException(path, "a TorchScript archive (torch.jit.save), which holds code; save model.state_dict() with torch.save instead");
            }
            bool big = false;
            if (zip.GetEntry(prefix + "byteorder") is { } order)
            {
                var text = Encoding.ASCII.GetString(ReadMember(path, order, 16, exact: false)).Trim();
                big = text switch
                {
                    "little" => false,
                    "big" => true,
                    _ => throw new TorchFormatException(path, $"byteorder is '{PickleMachine.Printable(text)}', not little or big"),
                };
            }
            return new TorchArchive(path, zip, prefix, big);
        }
        catch (Exception e) when (e is not TorchFormatException && IsArchiveFault(e))
        {
            stream.Dispose();
            throw new TorchFormatException(path, $"not a readable zip archive ({OneLine(e.Message)})", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The pickle's bytes.</summary>
    public byte[] ReadPickle() => ReadMember(Path, _zip.GetEntry(_prefix + "data.pkl")!, MaxPickleBytes, exact: false);

    /// <summary>The bytes of storage <paramref name="key"/>, which must be exactly <paramref name="bytes"/> long.</summary>
    public byte[] ReadStorage(string key, long bytes, string tensor)
    {
        var entry = _zip.GetEntry($"{_prefix}data/{key}")
            ?? throw new TorchFormatException(Path, $"tensor '{tensor}': storage '{PickleMachine.Printable(key)}' is missing from the archive");
        if (entry.Length != bytes)
            throw new TorchFormatException(Path, $"tensor '{tensor}': storage '{PickleMachine.Printable(key)}' has {entry.Length} bytes, but the pickle declares {bytes}");
        if (bytes > Array.MaxLength)
            throw new TorchFormatException(Path, $"tensor '{tensor}': storage '{PickleMachine.Printable(key)}' has {bytes} bytes, more than one array can hold");
        return ReadMember(Path, entry, bytes, exact: true);
    }

    private static byte[] ReadMember(string path, ZipArchiveEntry entry, long max, bool exact)
    {
        if (entry.Length > max) throw new TorchFormatException(path, $"member {PickleMachine.Printable(entry.FullName)} has {entry.Length} bytes, more than the {max} allowed");
        try
        {
            var buffer = new byte[entry.Length];
            using var s = entry.Open();
            s.ReadExactly(buffer);
            if (exact && s.ReadByte() >= 0) throw new InvalidDataException("the member is longer than its declared size");
            if (Internal.Crc32.Compute(buffer) != entry.Crc32)
                throw new InvalidDataException($"CRC-32 {Internal.Crc32.Compute(buffer):x8} differs from the archive's {entry.Crc32:x8}: the data is damaged");
            return buffer;
        }
        catch (Exception e) when (IsArchiveFault(e))
        {
            throw new TorchFormatException(path, $"member {PickleMachine.Printable(entry.FullName)} is unreadable ({OneLine(e.Message)})", e);
        }
    }

    private static bool IsArchiveFault(Exception e) => e is InvalidDataException or EndOfStreamException or IOException or NotSupportedException or ArgumentException;

    private static string OneLine(string s) => PickleMachine.Printable(s.ReplaceLineEndings(" "));

    public void Dispose() => _zip.Dispose();
}
