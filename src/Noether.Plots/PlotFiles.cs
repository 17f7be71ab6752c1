using System.Text;

namespace Noether.Plots;

/// <summary>Writes a plot as three files side by side: an SVG, a PNG and a CSV of exactly the plotted numbers.</summary>
public static class PlotFiles
{
    /// <summary>
    /// Validates <paramref name="plot"/>, renders it and writes <c>path.svg</c>, <c>path.png</c> and <c>path.csv</c>
    /// (see <see cref="PlotCsv"/>), each atomically (temporary file in the same directory, then rename); the
    /// directory is created if missing. Nothing is written when validation or rendering fails.
    /// </summary>
    /// <param name="plot">What to draw.</param>
    /// <param name="pathWithoutExtension">Target path; the three extensions are appended to it.</param>
    /// <returns>The full paths of the three files.</returns>
    /// <exception cref="ArgumentException">The plot is malformed (the one-line message names the series), or the path is empty.</exception>
    public static PlotPaths Write(LinePlot plot, string pathWithoutExtension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        LinePlotValidator.Validate(plot);
        var (svg, png) = LinePlotRenderer.Render(plot);
        string csv = PlotCsv.Format(plot);

        return WriteAll(pathWithoutExtension, svg, png, csv);
    }

    /// <summary>
    /// Renders <paramref name="plot"/> and writes <c>path.svg</c>, <c>path.png</c> and <c>path.csv</c> (see
    /// <see cref="HeatmapPlot.ToCsv"/>), each atomically; nothing is written when validation or rendering fails.
    /// </summary>
    public static PlotPaths Write(HeatmapPlot plot, string pathWithoutExtension)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        var (svg, png) = plot.Render();
        string csv = plot.ToCsv();
        return WriteAll(pathWithoutExtension, svg, png, csv);
    }

    /// <summary>Writes the three files of one plot, each atomically.</summary>
    private static PlotPaths WriteAll(string pathWithoutExtension, string svg, byte[] png, string csv)
    {
        string full = Path.GetFullPath(pathWithoutExtension);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var paths = new PlotPaths(full + ".svg", full + ".png", full + ".csv");
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        AtomicFile.WriteAllBytes(paths.Svg, utf8.GetBytes(svg));
        AtomicFile.WriteAllBytes(paths.Png, png);
        AtomicFile.WriteAllBytes(paths.Csv, utf8.GetBytes(csv));
        return paths;
    }
}
