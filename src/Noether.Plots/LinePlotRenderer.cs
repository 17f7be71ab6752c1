using ScottPlot;

namespace Noether.Plots;

/// <summary>Turns a validated <see cref="LinePlot"/> into SVG text and PNG bytes with ScottPlot.</summary>
internal static class LinePlotRenderer
{
    /// <summary>Series with at most this many drawn points get a marker at each point.</summary>
    internal const int MarkerThreshold = 60;

    /// <summary>The SVG document and the PNG image of <paramref name="plot"/>.</summary>
    internal static (string Svg, byte[] Png) Render(LinePlot plot)
    {
        PlotFonts.EnsureRegistered();
        using var p = Build(plot);
        string svg = p.GetSvgXml(plot.Width, plot.Height);
        byte[] png = p.GetImageBytes(plot.Width, plot.Height, ImageFormat.Png);
        return (svg, png);
    }

    private static Plot Build(LinePlot plot)
    {
        var p = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < plot.Series.Count; i++)
        {
            var series = plot.Series[i];
            var color = palette.GetColor(i);
            bool markers = DrawablePoints.Count(series, plot.LogY) <= MarkerThreshold;
            bool first = true;
            foreach (var (xs, ys) in DrawablePoints.Runs(series, plot.LogY))
            {
                var scatter = p.Add.Scatter(xs, ys, color);
                scatter.LineWidth = 1.5f;
                scatter.MarkerSize = markers || xs.Length == 1 ? 4 : 0;
                if (first) scatter.LegendText = series.Name;
                first = false;
            }
        }

        p.Title(plot.Title);
        p.XLabel(plot.XLabel);
        p.YLabel(plot.YLabel);
        if (plot.LogY) p.Axes.Left.TickGenerator = new LogTickGenerator();
        if (plot.Series.Any(s => s.Name.Length > 0)) p.ShowLegend();
        UseBundledFonts(p);
        return p;
    }

    /// <summary>Points every piece of text at <see cref="PlotFonts.FamilyName"/>: the title bold, the rest regular.</summary>
    private static void UseBundledFonts(Plot p)
    {
        p.Axes.Title.Label.FontName = PlotFonts.FamilyName;
        p.Axes.Title.Label.Bold = true;
        foreach (var axis in p.Axes.GetAxes())
        {
            axis.Label.FontName = PlotFonts.FamilyName;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontName = PlotFonts.FamilyName;
        }
        p.Legend.FontName = PlotFonts.FamilyName;
        p.Legend.SetBestFontOnEachRender = false;
    }
}
