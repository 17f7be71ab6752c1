using System.Globalization;

namespace Noether.Plots.Tests;

public class CsvOutputTests
{
    [Fact]
    public void Csv_holds_every_point_and_parses_back_bit_for_bit()
    {
        double[] awkward = [0.1, 1.0 / 3, double.Epsilon, -0.0, 1e308, -2.5e-300, Math.PI, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 123456789.123456789];
        double[] x = Enumerable.Range(0, awkward.Length).Select(i => i * 0.1 + 1e-17).ToArray();
        var plot = new LinePlot("t", "x", "y",
        [
            new Series("plain", x, awkward),
            new Series("with, comma and \"quotes\"", [1.5, 2.5], [Math.E, -1e-5]),
        ]);
        using var dir = new TempDir();
        var rows = CsvReader.Parse(File.ReadAllText(PlotFiles.Write(plot, dir.File("c")).Csv));

        Assert.Equal(["series", "x", "y"], rows[0]);
        var expected = plot.Series.SelectMany(s => s.X.Zip(s.Y, (a, b) => (s.Name, a, b))).ToList();
        Assert.Equal(expected.Count, rows.Count - 1);
        for (int i = 0; i < expected.Count; i++)
        {
            var row = rows[i + 1];
            Assert.Equal(3, row.Length);
            Assert.Equal(expected[i].Name, row[0]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i].a), BitConverter.DoubleToInt64Bits(double.Parse(row[1], CultureInfo.InvariantCulture)));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i].b), BitConverter.DoubleToInt64Bits(double.Parse(row[2], CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Csv_ignores_the_current_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            string csv = PlotCsv.Format(new LinePlot("t", "x", "y", [new Series("s", [0.5], [1.25])]));
            Assert.Equal("series,x,y\ns,0.5,1.25\n", csv);
        }
        catch (CultureNotFoundException)
        {
            // InvariantGlobalization: only the invariant culture exists, which is what Format uses anyway.
            Assert.Equal("series,x,y\ns,0.5,1.25\n", PlotCsv.Format(new LinePlot("t", "x", "y", [new Series("s", [0.5], [1.25])])));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
