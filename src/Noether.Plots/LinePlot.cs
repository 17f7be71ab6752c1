namespace Noether.Plots;

/// <summary>A line plot: titled, labelled axes and one or more series, optionally on a logarithmic y axis.</summary>
/// <param name="Title">Figure title (drawn bold).</param>
/// <param name="XLabel">Label of the horizontal axis.</param>
/// <param name="YLabel">Label of the vertical axis.</param>
/// <param name="Series">The curves, drawn in order with ScottPlot's default palette.</param>
public sealed record LinePlot(string Title, string XLabel, string YLabel, IReadOnlyList<Series> Series)
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 500;

    /// <summary>
    /// Draw the y axis on a log10 scale: ticks at powers of ten labelled 10ᵏ (or 1-2-5 multiples when the data
    /// span less than a decade). Points with y ≤ 0 have no logarithm and are left out of the picture.
    /// </summary>
    public bool LogY { get; init; }

    /// <summary>Image width in pixels (the SVG's too).</summary>
    public int Width { get; init; } = DefaultWidth;

    /// <summary>Image height in pixels (the SVG's too).</summary>
    public int Height { get; init; } = DefaultHeight;
}
