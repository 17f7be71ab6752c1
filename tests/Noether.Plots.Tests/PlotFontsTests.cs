using ScottPlot;

namespace Noether.Plots.Tests;

public class PlotFontsTests
{
    [Fact]
    public void The_family_resolves_to_the_embedded_regular_and_bold_faces()
    {
        PlotFonts.EnsureRegistered();
        PlotFonts.EnsureRegistered(); // idempotent: one resolver, not two
        Assert.Single(Fonts.FontResolvers.OfType<EmbeddedFontResolver>());

        var regular = Fonts.GetTypeface(PlotFonts.FamilyName, bold: false, italic: false);
        var bold = Fonts.GetTypeface(PlotFonts.FamilyName, bold: true, italic: false);
        Assert.Equal("DejaVu Sans", regular.FamilyName);
        Assert.Equal("DejaVu Sans", bold.FamilyName);
        Assert.Equal(400, regular.FontWeight);
        Assert.Equal(700, bold.FontWeight);
        Assert.Equal(PlotFonts.FamilyName, Fonts.Default);
    }

    [Fact]
    public void The_resolver_covers_the_glyphs_plots_use()
    {
        var face = new EmbeddedFontResolver().CreateTypeface(PlotFonts.FamilyName, false, false)!;
        using var font = new SkiaSharp.SKFont(face);
        foreach (char c in "Aθη×⁰¹²³⁴⁵⁶⁷⁸⁹⁻ΔL")
            Assert.NotEqual(0, font.GetGlyph(c));
        Assert.Null(new EmbeddedFontResolver().CreateTypeface("Comic Sans", false, false));
    }
}
