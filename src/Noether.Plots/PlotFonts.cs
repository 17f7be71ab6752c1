using ScottPlot;

namespace Noether.Plots;

/// <summary>
/// The fonts every Noether plot draws its text with: DejaVu Sans (regular and bold), shipped inside this assembly
/// as embedded resources so that titles, labels and tick labels never silently disappear on a machine without
/// system fonts (SkiaSharp's dependency-free Linux build has no font manager of its own).
/// </summary>
public static class PlotFonts
{
    /// <summary>The family name plots ask for; resolved to the embedded files, never to a system font.</summary>
    public const string FamilyName = "DejaVu Sans";

    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>
    /// Registers the embedded DejaVu Sans faces with ScottPlot's font system (ahead of its system-font resolver) and
    /// makes them ScottPlot's default font. Idempotent and thread-safe; <see cref="PlotFiles"/> calls it itself.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
            Fonts.Default = FamilyName;
            _registered = true;
        }
    }
}
