using System.Buffers.Binary;
using SkiaSharp;

namespace Noether.Plots.Tests;

public class PngOutputTests
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Png_has_the_signature_and_the_requested_size_in_its_header()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(PlotFiles.Write(Samples.Loss() with { Width = 700, Height = 450 }, dir.File("p")).Png);
        Assert.Equal(Signature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(700, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(450, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Png_decodes_and_shows_the_series_colours_on_a_white_background()
    {
        using var dir = new TempDir();
        using var bitmap = SKBitmap.Decode(PlotFiles.Write(Samples.Loss(), dir.File("p")).Png);
        Assert.NotNull(bitmap);
        var colours = new Dictionary<SKColor, int>();
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                colours[c] = colours.GetValueOrDefault(c) + 1;
            }
        Assert.True(colours.Count > 10, $"only {colours.Count} distinct colours");
        Assert.Equal(SKColors.White, colours.MaxBy(kv => kv.Value).Key);
        Assert.True(colours.GetValueOrDefault(new SKColor(0x1F, 0x77, 0xB4)) > 50, "series 1 colour missing");
        Assert.True(colours.GetValueOrDefault(new SKColor(0xFF, 0x7F, 0x0E)) > 50, "series 2 colour missing");
    }

    [Fact]
    public void Title_text_is_drawn_into_the_png()
    {
        // Same layout, a one-letter title against a long one: the extra glyphs must darken the strip above the data
        // area (with no font the two strips would be equally blank).
        using var dir = new TempDir();
        var plot = Samples.Loss();
        int shortTitle = DarkPixelsInTopStrip(PlotFiles.Write(plot with { Title = "I" }, dir.File("a")).Png);
        int longTitle = DarkPixelsInTopStrip(PlotFiles.Write(plot with { Title = "WWWW MMMM WWWW" }, dir.File("b")).Png);
        Assert.True(shortTitle > 0, "the one-letter title drew nothing");
        Assert.True(longTitle > shortTitle + 300, $"long title {longTitle} dark pixels, short {shortTitle}");
    }

    private static int DarkPixelsInTopStrip(string png)
    {
        using var bitmap = SKBitmap.Decode(png);
        int dark = 0;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 300) dark++;
            }
        return dark;
    }
}
