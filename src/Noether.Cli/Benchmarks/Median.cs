namespace Noether.Cli.Benchmarks;

/// <summary>Medians of paired benchmark runs.</summary>
internal static class Median
{
    /// <summary>The median (mean of the middle two for an even count); NaN for no values.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
