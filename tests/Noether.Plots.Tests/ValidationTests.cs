namespace Noether.Plots.Tests;

public class ValidationTests
{
    private static ArgumentException Rejects(LinePlot plot, TempDir dir)
    {
        var e = Assert.Throws<ArgumentException>(() => PlotFiles.Write(plot, dir.File("bad")));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
        return e;
    }

    [Fact]
    public void Mismatched_lengths_name_the_series_and_both_lengths()
    {
        using var dir = new TempDir();
        var e = Rejects(new LinePlot("t", "x", "y", [new Series("ok", [1, 2], [1, 2]), new Series("weights", [1, 2, 3], [1, 2])]), dir);
        Assert.Contains("'weights'", e.Message);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
    }

    [Fact]
    public void A_series_of_only_nan_and_infinity_is_rejected_by_name()
    {
        using var dir = new TempDir();
        var e = Rejects(new LinePlot("t", "x", "y", [new Series("diverged", [1, 2, 3], [double.NaN, double.PositiveInfinity, double.NaN])]), dir);
        Assert.Contains("'diverged'", e.Message);
    }

    [Fact]
    public void A_series_with_some_nan_is_drawn_with_a_gap()
    {
        using var dir = new TempDir();
        var paths = PlotFiles.Write(new LinePlot("t", "x", "y", [new Series("gappy", [1, 2, 3, 4, 5], [1, 2, double.NaN, 4, 5])]), dir.File("gap"));
        Assert.True(File.Exists(paths.Svg));
        Assert.Equal(2, DrawablePoints.Runs(new Series("gappy", [1, 2, 3, 4, 5], [1, 2, double.NaN, 4, 5]), logY: false).Count);
    }

    [Fact]
    public void A_log_plot_of_non_positive_values_only_is_rejected()
    {
        using var dir = new TempDir();
        var e = Rejects(new LinePlot("t", "x", "y", [new Series("zeros", [1, 2], [0, -1])]) { LogY = true }, dir);
        Assert.Contains("'zeros'", e.Message);
        Assert.Contains("log", e.Message);
    }

    [Fact]
    public void Empty_series_list_duplicate_names_and_bad_sizes_are_rejected()
    {
        using var dir = new TempDir();
        Rejects(new LinePlot("t", "x", "y", []), dir);
        Assert.Contains("'a'", Rejects(new LinePlot("t", "x", "y", [new Series("a", [1], [1]), new Series("a", [2], [2])]), dir).Message);
        Rejects(new LinePlot("t", "x", "y", [new Series("a", [1], [1])]) { Width = 0 }, dir);
        Rejects(new LinePlot("t", "x", "y", [new Series("a", [], [])]), dir);
    }
}
