using System.Globalization;
using System.Text;

namespace Noether.Plots;

/// <summary>
/// The numbers of a <see cref="LinePlot"/> as CSV: a header <c>series,x,y</c>, then one row per point, series in
/// order and points in order, formatted with the invariant culture's round-trip format ("R"), so
/// <c>double.Parse(text, CultureInfo.InvariantCulture)</c> gives back the same bits (NaN and ±∞ as <c>NaN</c>,
/// <c>Infinity</c>, <c>-Infinity</c>). Series names are quoted per RFC 4180 when they hold a comma, a quote or a
/// line break. Lines end with <c>\n</c>.
/// </summary>
public static class PlotCsv
{
    /// <summary>The header line (without its line break).</summary>
    public const string Header = "series,x,y";

    /// <summary>The CSV text of every point of every series of <paramref name="plot"/>.</summary>
    /// <exception cref="ArgumentException">The plot is malformed (see <see cref="PlotFiles.Write"/>).</exception>
    public static string Format(LinePlot plot)
    {
        LinePlotValidator.Validate(plot);
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var s in plot.Series)
        {
            string name = Quote(s.Name);
            for (int i = 0; i < s.X.Length; i++)
                sb.Append(name).Append(',')
                  .Append(s.X[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                  .Append(s.Y[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
