using System.Globalization;
using System.Text;

namespace Noether.Metanetworks.Zoo;

/// <summary>One trained model of a zoo: its file (relative to the zoo directory), test accuracy and hyperparameters.</summary>
public sealed record ZooEntry(string File, double TestAccuracy, IReadOnlyDictionary<string, string> Hyperparameters);

/// <summary>
/// A zoo's index: a CSV file <c>index.csv</c> in the zoo directory with columns <c>file</c>, <c>test_accuracy</c>, then
/// one column per hyperparameter (values without commas or quotes). Written atomically (temporary file, then rename).
/// </summary>
public static class ZooIndex
{
    /// <summary>The index's file name inside a zoo directory.</summary>
    public const string FileName = "index.csv";

    /// <summary>Reads an index; errors name the file and line.</summary>
    public static IReadOnlyList<ZooEntry> Read(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"Zoo index {path} does not exist", path);
        var lines = System.IO.File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty zoo index (expected a header 'file,test_accuracy,…')");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        int file = Array.IndexOf(header, "file"), acc = Array.IndexOf(header, "test_accuracy");
        if (file < 0 || acc < 0) throw new InvalidDataException($"{path}:1: the header needs columns 'file' and 'test_accuracy', got '{lines[0]}'");
        var entries = new List<ZooEntry>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != header.Length) throw new InvalidDataException($"{path}:{i + 1}: {cells.Length} columns, the header has {header.Length}");
            if (!double.TryParse(cells[acc], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) || !(a >= 0 && a <= 1))
                throw new InvalidDataException($"{path}:{i + 1}: test_accuracy '{cells[acc]}' is not a number in [0, 1]");
            var hyper = new Dictionary<string, string>();
            for (int c = 0; c < header.Length; c++) if (c != file && c != acc) hyper[header[c]] = cells[c];
            entries.Add(new ZooEntry(cells[file], a, hyper));
        }
        return entries;
    }

    /// <summary>Writes an index atomically; every entry must have the same hyperparameter names.</summary>
    public static void Write(string path, IReadOnlyList<ZooEntry> entries)
    {
        var names = entries.Count == 0 ? [] : entries[0].Hyperparameters.Keys.ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', new[] { "file", "test_accuracy" }.Concat(names)));
        foreach (var e in entries)
        {
            if (!e.Hyperparameters.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(names.OrderBy(k => k, StringComparer.Ordinal)))
                throw new ArgumentException($"Zoo entry '{e.File}' has hyperparameters {string.Join(", ", e.Hyperparameters.Keys)}, others have {string.Join(", ", names)}");
            var cells = new[] { e.File, e.TestAccuracy.ToString("R", CultureInfo.InvariantCulture) }.Concat(names.Select(n => e.Hyperparameters[n])).ToArray();
            if (cells.Any(c => c.Contains(',') || c.Contains('"') || c.Contains('\n'))) throw new ArgumentException($"Zoo entry '{e.File}': values must not hold commas, quotes or newlines");
            sb.AppendLine(string.Join(',', cells));
        }
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.File.WriteAllText(temp, sb.ToString());
            System.IO.File.Move(temp, full, overwrite: true);
        }
        finally { if (System.IO.File.Exists(temp)) System.IO.File.Delete(temp); }
    }
}
