using System.Globalization;
using System.Text;
using ScottPlot;

namespace Noether.Plots;

/// <summary>A matrix drawn as a heat map with labelled rows and columns, each cell annotated with its value.</summary>
/// <param name="Title">Plot title.</param>
/// <param name="XLabel">Label of the column axis.</param>
/// <param name="YLabel">Label of the row axis.</param>
/// <param name="RowLabels">One label per row (drawn top to bottom).</param>
/// <param name="ColumnLabels">One label per column (left to right).</param>
/// <param name="Values">Row-major values, RowLabels.Count × ColumnLabels.Count; NaN cells are drawn grey.</param>
public sealed record HeatmapPlot(string Title, string XLabel, string YLabel, IReadOnlyList<string> RowLabels, IReadOnlyList<string> ColumnLabels, double[] Values)
{
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 720;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 560;

    /// <summary>Fixed colour range (e.g. 0 to 1 for similarities); null spans the data.</summary>
    public (double Min, double Max)? Range { get; init; }

    /// <summary>The CSV of the plotted numbers: <c>row,column,value</c>, one line per cell, round-trip formatted.</summary>
    public string ToCsv()
    {
        Validate();
        var sb = new StringBuilder("row,column,value\n");
        for (int i = 0; i < RowLabels.Count; i++)
            for (int j = 0; j < ColumnLabels.Count; j++)
                sb.Append(Quote(RowLabels[i])).Append(',').Append(Quote(ColumnLabels[j])).Append(',')
                  .Append(Values[i * ColumnLabels.Count + j].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Throws a one-line <see cref="ArgumentException"/> when the labels and values disagree in size.</summary>
    public void Validate()
    {
        if (RowLabels.Count == 0 || ColumnLabels.Count == 0)
            throw new ArgumentException($"heat map '{Title}' needs at least one row and one column, got {RowLabels.Count} × {ColumnLabels.Count}");
        if (Values.Length != RowLabels.Count * ColumnLabels.Count)
            throw new ArgumentException($"heat map '{Title}': {Values.Length} values for {RowLabels.Count} rows × {ColumnLabels.Count} columns");
    }

    /// <summary>The SVG document and the PNG image.</summary>
    internal (string Svg, byte[] Png) Render()
    {
        Validate();
        PlotFonts.EnsureRegistered();
        int rows = RowLabels.Count, cols = ColumnLabels.Count;
        var data = new double[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) data[i, j] = Values[i * cols + j];
        using var p = new Plot();
        var hm = p.Add.Heatmap(data);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.Rectangle = new CoordinateRect(-0.5, cols - 0.5, -0.5, rows - 0.5);
        if (Range is var (lo, hi)) hm.ManualRange = new ScottPlot.Range(lo, hi);
        var bar = p.Add.ColorBar(hm);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double v = Values[i * cols + j];
                var t = p.Add.Text(double.IsNaN(v) ? "–" : v.ToString("F3", CultureInfo.InvariantCulture), j, rows - 1 - i);
                t.LabelFontName = PlotFonts.FamilyName;
                t.LabelFontSize = Math.Clamp(220f / Math.Max(rows, cols), 8f, 16f);
                t.LabelFontColor = Colors.White;
                t.LabelAlignment = Alignment.MiddleCenter;
            }
        p.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, cols).Select(j => (double)j).ToArray(), ColumnLabels.ToArray());
        p.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows).Select(i => (double)(rows - 1 - i)).ToArray(), RowLabels.ToArray());
        p.Axes.SetLimits(-0.5, cols - 0.5, -0.5, rows - 0.5);
        p.Title(Title);
        p.XLabel(XLabel);
        p.YLabel(YLabel);
        p.Axes.Title.Label.FontName = PlotFonts.FamilyName;
        foreach (var axis in p.Axes.GetAxes())
        {
            axis.Label.FontName = PlotFonts.FamilyName;
            axis.TickLabelStyle.FontName = PlotFonts.FamilyName;
        }
        bar.Axis.TickLabelStyle.FontName = PlotFonts.FamilyName;
        return (p.GetSvgXml(Width, Height), p.GetImageBytes(Width, Height, ImageFormat.Png));
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
