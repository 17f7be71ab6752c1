namespace Noether.Plots;

/// <summary>The three files <see cref="PlotFiles.Write"/> wrote for one plot.</summary>
/// <param name="Svg">Vector image; its text stays text (searchable <c>&lt;text&gt;</c> elements).</param>
/// <param name="Png">Raster image of the same plot.</param>
/// <param name="Csv">The plotted numbers: columns <c>series,x,y</c>, one row per point.</param>
public sealed record PlotPaths(string Svg, string Png, string Csv);
