using System.Globalization;
using System.Text;
using ScottPlot;

namespace Noether.Plots;

/// <summary>
/// Ticks for an axis whose coordinates are log10 of the data (ScottPlot 5 has no log axis of its own).
/// A range holding two or more whole decades gets major ticks at powers of ten labelled 10ᵏ (every
/// <c>step</c>-th decade when they would crowd) and minor ticks at 2..9 × 10ᵏ; a narrower range gets majors at
/// 1-2-5 (or 1..9) × 10ᵏ; a range inside one such gap falls back to evenly spaced values. Labels always state the
/// data value, never its logarithm.
/// </summary>
internal sealed class LogTickGenerator : ITickGenerator
{
    /// <summary>Pixels a major tick needs along the axis.</summary>
    internal const float PixelsPerMajorTick = 40;

    private const double Eps = 1e-9;

    public Tick[] Ticks { get; set; } = [];

    public int MaxTickCount { get; set; } = 10_000;

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        int maxMajors = Math.Clamp((int)(size.Length / PixelsPerMajorTick), 2, MaxTickCount);
        Ticks = Generate(range.Min, range.Max, maxMajors);
    }

    /// <summary>Ticks for log10 coordinates in [<paramref name="lo"/>, <paramref name="hi"/>], at most <paramref name="maxMajors"/> of them major.</summary>
    internal static Tick[] Generate(double lo, double hi, int maxMajors)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || hi <= lo) return [];
        maxMajors = Math.Max(2, maxMajors);

        long kLo = (long)Math.Ceiling(lo - Eps), kHi = (long)Math.Floor(hi + Eps);
        if (kHi - kLo + 1 >= 2) return Decades(lo, hi, kLo, kHi, maxMajors);

        foreach (int[] mantissas in new[] { new[] { 1, 2, 5 }, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 } })
        {
            var ticks = new List<Tick>();
            for (long k = (long)Math.Floor(lo) - 1; k <= (long)Math.Ceiling(hi); k++)
                foreach (int m in mantissas)
                {
                    double pos = k + Math.Log10(m);
                    if (pos >= lo - Eps && pos <= hi + Eps) ticks.Add(Tick.Major(pos, FormatValue(m, k)));
                }
            if (ticks.Count >= 2 && ticks.Count <= maxMajors) return [.. ticks];
        }
        return Linear(lo, hi, maxMajors);
    }

    private static Tick[] Decades(double lo, double hi, long kLo, long kHi, int maxMajors)
    {
        long count = kHi - kLo + 1;
        long step = Math.Max(1, (count + maxMajors - 1) / maxMajors);
        var ticks = new List<Tick>();
        long first = (long)Math.Ceiling((double)kLo / step) * step;
        for (long k = first; k <= kHi; k += step) ticks.Add(Tick.Major(k, PowerOfTen(k)));

        if (step == 1)
        {
            for (long k = (long)Math.Floor(lo); k <= (long)Math.Ceiling(hi); k++)
                for (int m = 2; m <= 9; m++)
                {
                    double pos = k + Math.Log10(m);
                    if (pos >= lo && pos <= hi) ticks.Add(Tick.Minor(pos));
                }
        }
        else
        {
            for (long k = kLo; k <= kHi; k++)
                if (((k % step) + step) % step != 0) ticks.Add(Tick.Minor(k));
        }
        return [.. ticks];
    }

    private static Tick[] Linear(double lo, double hi, int maxMajors)
    {
        double vLo = Math.Pow(10, lo), vHi = Math.Pow(10, hi);
        double step = NiceStep((vHi - vLo) / Math.Min(maxMajors, 5));
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step)));
        var ticks = new List<Tick>();
        for (double v = Math.Ceiling(vLo / step) * step; v <= vHi * (1 + Eps); v += step)
            if (v > 0) ticks.Add(Tick.Major(Math.Log10(v), v.ToString("F" + decimals, CultureInfo.InvariantCulture)));
        return [.. ticks];
    }

    /// <summary>The 1-2-5 × 10ⁿ number nearest above <paramref name="raw"/>.</summary>
    internal static double NiceStep(double raw)
    {
        double exp = Math.Floor(Math.Log10(raw));
        double f = raw / Math.Pow(10, exp);
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exp);
    }

    /// <summary>m × 10ᵏ as a plain decimal for moderate k, else in scientific form with a superscript exponent.</summary>
    internal static string FormatValue(int m, long k)
    {
        if (k >= -3 && k <= 4)
            return (m * Math.Pow(10, k)).ToString("G6", CultureInfo.InvariantCulture);
        return m == 1 ? PowerOfTen(k) : m.ToString(CultureInfo.InvariantCulture) + "×" + PowerOfTen(k);
    }

    /// <summary>"10" followed by <paramref name="k"/> in Unicode superscript digits (DejaVu Sans has them all).</summary>
    internal static string PowerOfTen(long k)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var sb = new StringBuilder("10");
        if (k < 0) sb.Append('⁻');
        foreach (char c in Math.Abs(k).ToString(CultureInfo.InvariantCulture)) sb.Append(digits[c - '0']);
        return sb.ToString();
    }
}
