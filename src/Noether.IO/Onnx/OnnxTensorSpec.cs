using System.Text.RegularExpressions;

namespace Noether.IO;

/// <summary>One axis of a declared ONNX tensor shape: a fixed size, a named symbol (<c>batch</c>), or unknown.</summary>
/// <param name="Size">The fixed size, or null when the axis is dynamic.</param>
/// <param name="Symbol">The symbol of a dynamic axis, or null when it has none.</param>
public sealed record OnnxDim(long? Size, string? Symbol)
{
    /// <summary>"3", "N" or "?".</summary>
    public override string ToString() => Size?.ToString() ?? (string.IsNullOrEmpty(Symbol) ? "?" : Symbol);
}

/// <summary>A graph input or output as declared by the model: its name, element type and shape.</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="ElementType">The element type, or null when it has no <see cref="ArrayElementType"/> (string, bfloat16, …).</param>
/// <param name="TypeName">The element type's name as written in messages (<c>float32</c>, <c>int64</c>, <c>string</c>).</param>
/// <param name="Dims">The declared axes, or null when the rank is unknown.</param>
public sealed record OnnxTensorSpec(string Name, ArrayElementType? ElementType, string TypeName, IReadOnlyList<OnnxDim>? Dims)
{
    /// <summary>"[N, 3, 224, 224]", or "[…]" when the rank is unknown.</summary>
    public string ShapeText => Dims is null ? "[…]" : "[" + string.Join(", ", Dims) + "]";

    /// <summary>"float32 [N, 3, 224, 224]".</summary>
    public override string ToString() => $"{TypeName} {ShapeText}";
}

/// <summary>Helpers for ONNX Runtime's messages.</summary>
internal static partial class OneLine
{
    /// <summary>Collapses a multi-line message to one line of at most <paramref name="max"/> characters.</summary>
    public static string Of(string message, int max = 400)
    {
        var s = Whitespace().Replace(message, " ").Trim();
        return s.Length <= max ? s : s[..(max - 1)] + "…";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
