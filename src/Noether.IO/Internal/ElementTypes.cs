using System.Numerics;

namespace Noether.IO.Internal;

/// <summary>Maps tensor element types (float, double, Half) to their stored <see cref="ElementKind"/>.</summary>
internal static class ElementTypes
{
    /// <summary>The stored kind whose bytes are exactly a <typeparamref name="T"/>, or null when there is none.</summary>
    public static ElementKind? KindOf<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return ElementKind.F32;
        if (typeof(T) == typeof(double)) return ElementKind.F64;
        if (typeof(T) == typeof(Half)) return ElementKind.F16;
        return null;
    }

    /// <summary>Like <see cref="KindOf{T}"/> but throws <see cref="NotSupportedException"/> for element types no format stores.</summary>
    public static ElementKind RequireKindOf<T>(string operation) where T : unmanaged, IFloatingPointIeee754<T>
        => KindOf<T>() ?? throw new NotSupportedException($"{operation}: tensors of {typeof(T).Name} cannot be stored; use float, double or Half");
}
