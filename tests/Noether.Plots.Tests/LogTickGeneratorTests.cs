using ScottPlot;

namespace Noether.Plots.Tests;

public class LogTickGeneratorTests
{
    [Fact]
    public void Decades_get_major_ticks_at_integer_positions_and_minor_ticks_at_log_m()
    {
        var ticks = LogTickGenerator.Generate(-3.2, 1.5, maxMajors: 10);
        var majors = ticks.Where(t => t.IsMajor).ToList();
        Assert.Equal([-3.0, -2, -1, 0, 1], majors.Select(t => t.Position));
        Assert.Equal(["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"], majors.Select(t => t.Label));
        var minors = ticks.Where(t => !t.IsMajor).Select(t => t.Position).ToList();
        Assert.Contains(minors, p => Math.Abs(p - (-3 + Math.Log10(2))) < 1e-12);
        Assert.Contains(minors, p => Math.Abs(p - (1 + Math.Log10(3))) < 1e-12);
        Assert.DoesNotContain(minors, p => p > 1.5 || p < -3.2);
    }

    [Fact]
    public void Many_decades_are_thinned_to_the_tick_budget()
    {
        var majors = LogTickGenerator.Generate(-30, 0, maxMajors: 6).Where(t => t.IsMajor).ToList();
        Assert.InRange(majors.Count, 2, 6);
        Assert.All(majors, t => Assert.Equal(0, t.Position % 1));
        Assert.Contains(majors, t => t.Label == "10⁻³⁰");
    }

    [Fact]
    public void A_range_inside_one_decade_gets_one_two_five_ticks_labelled_with_values()
    {
        var ticks = LogTickGenerator.Generate(Math.Log10(0.15), Math.Log10(0.9), maxMajors: 10);
        Assert.Equal(["0.2", "0.5"], ticks.Select(t => t.Label));
        Assert.Equal(Math.Log10(0.2), ticks[0].Position, 12);
    }

    [Fact]
    public void A_very_narrow_range_falls_back_to_even_values_inside_it()
    {
        double lo = Math.Log10(3.1), hi = Math.Log10(3.4);
        var ticks = LogTickGenerator.Generate(lo, hi, maxMajors: 10);
        Assert.True(ticks.Length >= 2);
        foreach (var t in ticks)
        {
            Assert.InRange(t.Position, lo - 1e-12, hi + 1e-12);
            Assert.Equal(Math.Pow(10, t.Position), double.Parse(t.Label, System.Globalization.CultureInfo.InvariantCulture), 9);
        }
    }

    [Theory]
    [InlineData(0, "10⁰")]
    [InlineData(-12, "10⁻¹²")]
    [InlineData(305, "10³⁰⁵")]
    public void Powers_of_ten_use_superscript_digits(long k, string label) =>
        Assert.Equal(label, LogTickGenerator.PowerOfTen(k));

    [Fact]
    public void Formatted_values_are_plain_for_moderate_exponents_and_scientific_beyond()
    {
        Assert.Equal("0.002", LogTickGenerator.FormatValue(2, -3));
        Assert.Equal("50000", LogTickGenerator.FormatValue(5, 4));
        Assert.Equal("2×10⁻⁷", LogTickGenerator.FormatValue(2, -7));
    }
}
