using System.Globalization;
using System.Text;

namespace Noether.Metanetworks.Zoo;

/// <summary>One trained model of a zoo: its file (relative to the zoo directory), test accuracy and hyperparameters.</summary>
public sealed record ZooEntry(string File, double TestAccuracy, IReadOnlyDictionary<string, string> Hyperparameters);

/// <summary>
/// A zoo's index: a CSV file <c>index.csv</c> in the zoo directory with columns <c>file</c> and <c>test_accuracy</c>; every
/// other column is kept as a hyperparameter. This reads the index of <c>noether zoo generate</c> too (columns model,
/// epoch, final, file, test_accuracy, test_loss, status, hyperparameters; quoted cells; one row per checkpoint; a
/// diverged model's row has no file): rows without a file are skipped, and with a <c>final</c> column only final
/// checkpoints are kept unless asked otherwise. Written atomically (temporary file, then rename).
/// </summary>
public static class ZooIndex
{
    /// <summary>The index's file name inside a zoo directory.</summary>
    public const string FileName = "index.csv";

    /// <summary>Reads an index; errors name the file and line. <paramref name="allCheckpoints"/> keeps non-final checkpoint rows.</summary>
    public static IReadOnlyList<ZooEntry> Read(string path, bool allCheckpoints = false)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"Zoo index {path} does not exist", path);
        var lines = System.IO.File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty zoo index (expected a header 'file,test_accuracy,…')");
        var header = Cells(lines[0], path, 1).Select(h => h.Trim()).ToArray();
        int file = Array.IndexOf(header, "file"), acc = Array.IndexOf(header, "test_accuracy"), final = Array.IndexOf(header, "final");
        if (file < 0 || acc < 0) throw new InvalidDataException($"{path}:1: the header needs columns 'file' and 'test_accuracy', got '{lines[0]}'");
        var entries = new List<ZooEntry>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var cells = Cells(lines[i], path, i + 1);
            if (cells.Length != header.Length) throw new InvalidDataException($"{path}:{i + 1}: {cells.Length} columns, the header has {header.Length}");
            if (cells[file].Length == 0) continue;                          // a diverged model: no checkpoint
            if (final >= 0 && !allCheckpoints && cells[final] != "true") continue;
            if (!double.TryParse(cells[acc], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) || !(a >= 0 && a <= 1))
                throw new InvalidDataException($"{path}:{i + 1}: test_accuracy '{cells[acc]}' is not a number in [0, 1]");
            var hyper = new Dictionary<string, string>();
            for (int c = 0; c < header.Length; c++) if (c != file && c != acc) hyper[header[c]] = cells[c];
            entries.Add(new ZooEntry(cells[file], a, hyper));
        }
        return entries;
    }

    /// <summary>Splits one CSV line (RFC 4180 quoting, no newlines inside cells).</summary>
    private static string[] Cells(string line, string path, int lineNo)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && cell.Length == 0) quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{path}:{lineNo}: unterminated quoted cell");
        cells.Add(cell.ToString());
        return cells.ToArray();
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
