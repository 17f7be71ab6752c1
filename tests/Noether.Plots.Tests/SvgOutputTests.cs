using System.Xml.Linq;

namespace Noether.Plots.Tests;

public class SvgOutputTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<XElement> TextElements(string path) =>
        XDocument.Load(path).Descendants(Svg + "text").ToList();

    [Fact]
    public void Title_axis_labels_and_legend_are_text_elements_in_the_bundled_font()
    {
        using var dir = new TempDir();
        var plot = Samples.Loss();
        var paths = PlotFiles.Write(plot, dir.File("loss"));

        var texts = TextElements(paths.Svg);
        var contents = texts.Select(t => t.Value.Trim()).ToList();
        Assert.Contains("Training loss", contents);
        Assert.Contains("time t", contents);
        Assert.Contains("loss L(θ)", contents);
        Assert.Contains("gradient flow", contents);
        Assert.Contains("GD η=0.1", contents);
        Assert.All(texts, t => Assert.Equal(PlotFonts.FamilyName, (string?)t.Attribute("font-family")));
    }

    [Fact]
    public void Svg_has_the_requested_size_and_draws_each_series_in_its_colour()
    {
        using var dir = new TempDir();
        var plot = Samples.Loss() with { Width = 640, Height = 360 };
        var root = XDocument.Load(PlotFiles.Write(plot, dir.File("p")).Svg).Root!;
        Assert.Equal("640", (string?)root.Attribute("width"));
        Assert.Equal("360", (string?)root.Attribute("height"));
        // Category10's first two colours draw the two series.
        var strokes = root.Descendants(Svg + "path").Select(p => (string?)p.Attribute("stroke")).ToList();
        Assert.Contains("#1F77B4", strokes);
        Assert.Contains("#FF7F0E", strokes);
    }

    [Fact]
    public void Log_axis_is_labelled_with_powers_of_ten_not_logarithms()
    {
        using var dir = new TempDir();
        double[] x = Enumerable.Range(0, 50).Select(i => (double)i).ToArray();
        var plot = new LinePlot("drift", "step", "|ΔQ|", [new Series("Q", x, x.Select(i => Math.Pow(10, -i / 7.0)).ToArray())]) { LogY = true };
        var contents = TextElements(PlotFiles.Write(plot, dir.File("log")).Svg).Select(t => t.Value.Trim()).ToList();
        // y spans 1 .. 10^-7: the decade labels appear, the raw exponents "-3" etc. do not.
        Assert.Contains("10⁰", contents);
        Assert.Contains("10⁻³", contents);
        Assert.Contains("10⁻⁶", contents);
        Assert.DoesNotContain("-3", contents);
    }

    [Fact]
    public void Log_axis_leaves_out_non_positive_points_but_the_csv_keeps_them()
    {
        using var dir = new TempDir();
        var plot = new LinePlot("drift", "step", "|ΔQ|", [new Series("Q", [0, 1, 2, 3], [0, 1e-12, 1e-9, 1e-6])]) { LogY = true };
        var paths = PlotFiles.Write(plot, dir.File("log0"));
        Assert.Equal(5, File.ReadAllLines(paths.Csv).Length);
        var contents = TextElements(paths.Svg).Select(t => t.Value.Trim()).ToList();
        Assert.Contains("10⁻⁹", contents);
    }
}
