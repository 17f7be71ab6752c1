using System.Numerics;
using Noether.Nn;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Which values a model file may hold — one rule for reading and for writing, so a file we write always reads back.
/// NaN is never allowed (the message names the tensor). ±∞ is allowed in buffers and constants (BatchNorm statistics,
/// fixed conditions) and in additive masks — tensors whose finite entries are all 0, such as a −∞ attention mask,
/// which exporters often store as ordinary initializers, so they import as trainable. A trainable tensor with
/// nonzero finite entries must be finite throughout.
/// </summary>
public static class ParameterValues
{
    /// <summary>Null when <paramref name="values"/> are allowed for <paramref name="parameter"/>, else why not (naming the tensor, its shape and the first bad element).</summary>
    public static string? Violation<T>(ParameterInfo parameter, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameter);
        int firstInfinity = -1;
        bool nonzeroFinite = false;
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (T.IsNaN(v))
                return $"{(parameter.Trainable ? "trainable tensor" : "buffer")} '{parameter.Name}' {Shapes.Format(parameter.Shape)} contains NaN (element {i})";
            if (T.IsInfinity(v)) { if (firstInfinity < 0) firstInfinity = i; }
            else if (!T.IsZero(v)) nonzeroFinite = true;
        }
        if (firstInfinity >= 0 && parameter.Trainable && nonzeroFinite)
            return $"trainable tensor '{parameter.Name}' {Shapes.Format(parameter.Shape)} contains {(T.IsNegative(values[firstInfinity]) ? "−∞" : "+∞")} (element {firstInfinity}) among nonzero weights; only buffers, constants and additive masks (0 and ±∞ only) may be infinite";
        return null;
    }
}
