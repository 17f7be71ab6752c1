namespace Noether.Plots;

/// <summary>Checks a <see cref="LinePlot"/> before anything is drawn or written; every error is one line that names the series.</summary>
internal static class LinePlotValidator
{
    /// <summary>Largest width or height accepted, in pixels.</summary>
    internal const int MaxPixels = 16384;

    /// <exception cref="ArgumentException">The plot cannot be drawn faithfully.</exception>
    internal static void Validate(LinePlot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        if (plot.Title is null || plot.XLabel is null || plot.YLabel is null)
            throw new ArgumentException("a line plot needs a title and both axis labels (empty strings are fine, null is not)", nameof(plot));
        if (plot.Width <= 0 || plot.Height <= 0 || plot.Width > MaxPixels || plot.Height > MaxPixels)
            throw new ArgumentException($"plot size {plot.Width}×{plot.Height} is outside 1..{MaxPixels} pixels", nameof(plot));
        if (plot.Series is null || plot.Series.Count == 0)
            throw new ArgumentException($"plot '{plot.Title}' has no series", nameof(plot));

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in plot.Series)
        {
            if (s is null) throw new ArgumentException($"plot '{plot.Title}' has a null series", nameof(plot));
            if (s.Name is null) throw new ArgumentException($"plot '{plot.Title}' has a series without a name", nameof(plot));
            if (s.X is null || s.Y is null)
                throw new ArgumentException($"series '{s.Name}': X or Y is null", nameof(plot));
            if (s.X.Length != s.Y.Length)
                throw new ArgumentException($"series '{s.Name}': X has {s.X.Length} values but Y has {s.Y.Length}", nameof(plot));
            if (!names.Add(s.Name))
                throw new ArgumentException($"two series are named '{s.Name}' (the CSV could not tell them apart)", nameof(plot));
            if (DrawablePoints.Count(s, plot.LogY) == 0)
                throw new ArgumentException(
                    $"series '{s.Name}': none of its {s.X.Length} points can be drawn (every one has a NaN or infinite coordinate{(plot.LogY ? " or y ≤ 0 on the log axis" : "")})",
                    nameof(plot));
        }
    }
}
