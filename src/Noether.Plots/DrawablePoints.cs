namespace Noether.Plots;

/// <summary>Which points of a series appear in the picture, and where (the CSV keeps every point).</summary>
internal static class DrawablePoints
{
    /// <summary>A point is drawn when both coordinates are finite and, on a log y axis, y &gt; 0.</summary>
    internal static bool IsDrawable(double x, double y, bool logY) =>
        double.IsFinite(x) && double.IsFinite(y) && (!logY || y > 0);

    /// <summary>How many points of <paramref name="series"/> are drawn.</summary>
    internal static int Count(Series series, bool logY)
    {
        int n = 0;
        for (int i = 0; i < series.X.Length; i++)
            if (IsDrawable(series.X[i], series.Y[i], logY)) n++;
        return n;
    }

    /// <summary>
    /// The maximal runs of consecutive drawable points, in plot coordinates (y replaced by log10 y on a log axis):
    /// a line is broken where a point is left out rather than bridged across it.
    /// </summary>
    internal static List<(double[] X, double[] Y)> Runs(Series series, bool logY)
    {
        var runs = new List<(double[] X, double[] Y)>();
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i <= series.X.Length; i++)
        {
            if (i < series.X.Length && IsDrawable(series.X[i], series.Y[i], logY))
            {
                xs.Add(series.X[i]);
                ys.Add(logY ? Math.Log10(series.Y[i]) : series.Y[i]);
                continue;
            }
            if (xs.Count > 0) runs.Add((xs.ToArray(), ys.ToArray()));
            xs.Clear();
            ys.Clear();
        }
        return runs;
    }
}
