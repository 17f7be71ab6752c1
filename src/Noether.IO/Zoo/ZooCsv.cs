using System.Globalization;
using System.Text;
using Noether.IO.Internal;

namespace Noether.IO.Zoo;

/// <summary>
/// The CSV form of a zoo index: one row per checkpoint (a diverged model gets one row without a file), columns
/// <c>model, epoch, final, file, test_accuracy, test_loss, status</c>, then every hyperparameter.
/// </summary>
public static class ZooCsv
{
    /// <summary>The CSV text.</summary>
    public static string Format(ZooIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        var keys = index.Models.SelectMany(m => m.Hyperparameters.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var sb = new StringBuilder();
        sb.AppendJoin(',', ["model", "epoch", "final", "file", "test_accuracy", "test_loss", "status", .. keys]).Append('\n');
        foreach (var m in index.Models)
        {
            var hp = keys.Select(k => Quote(m.Hyperparameters.TryGetValue(k, out var v) ? v : ""));
            if (m.Checkpoints.Count == 0)
                sb.AppendJoin(',', [I(m.Index), "", "", "", "", "", Quote(m.Status), .. hp]).Append('\n');
            for (int c = 0; c < m.Checkpoints.Count; c++)
            {
                var e = m.Checkpoints[c];
                sb.AppendJoin(',', [I(m.Index), I(e.Epoch), c == m.Checkpoints.Count - 1 ? "true" : "false", Quote(e.File),
                    D(e.TestAccuracy), D(e.TestLoss), Quote(m.Status), .. hp]).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Format"/> atomically.</summary>
    public static void Write(string path, ZooIndex index)
    {
        var bytes = new UTF8Encoding(false).GetBytes(Format(index));
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
