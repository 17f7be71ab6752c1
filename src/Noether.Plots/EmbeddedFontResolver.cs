using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace Noether.Plots;

/// <summary>
/// Resolves <see cref="PlotFonts.FamilyName"/> to the DejaVu Sans faces embedded in this assembly: weights of
/// semi-bold and above get the bold face, everything else the regular one (slant and spacing are ignored: no
/// oblique face is shipped). Other family names are left to the next resolver.
/// </summary>
internal sealed class EmbeddedFontResolver : IFontResolver
{
    internal const string RegularResource = "Noether.Plots.Fonts.DejaVuSans.ttf";
    internal const string BoldResource = "Noether.Plots.Fonts.DejaVuSans-Bold.ttf";

    private static readonly Lazy<SKTypeface> Regular = new(() => Load(RegularResource));
    private static readonly Lazy<SKTypeface> Bold = new(() => Load(BoldResource));

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
        string.Equals(fontName, PlotFonts.FamilyName, StringComparison.OrdinalIgnoreCase)
            ? (weight >= FontWeight.SemiBold ? Bold.Value : Regular.Value)
            : null;

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        CreateTypeface(fontName, bold ? FontWeight.Bold : FontWeight.Normal,
            italic ? FontSlant.Italic : FontSlant.Upright, FontSpacing.Normal);

    private static SKTypeface Load(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font {resource} is missing from {typeof(PlotFonts).Assembly.GetName().Name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var data = SKData.CreateCopy(buffer.ToArray());
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"SkiaSharp could not read the embedded font {resource}");
    }
}
