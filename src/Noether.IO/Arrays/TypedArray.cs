using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// An n-dimensional array of any NumPy numeric type, kept exactly as stored: its element type, shape, and the
/// elements as little-endian bytes in C order. It carries integer and boolean data (token ids, masks) that the
/// floating-point <see cref="Tensor{T}"/> cannot hold without rounding.
/// </summary>
public sealed class TypedArray
{
    private readonly byte[] _bytes;

    /// <summary>Wraps little-endian C-order bytes; their length must be the element count times the element size.</summary>
    public TypedArray(ArrayElementType elementType, int[] shape, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(bytes);
        if (shape.Any(d => d < 0)) throw new ArgumentException($"shape {Shapes.Format(shape)} has a negative dimension", nameof(shape));
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count * elementType.Size() != bytes.Length)
            throw new ArgumentException($"{elementType.Name()} {Shapes.Format(shape)} needs {count * elementType.Size()} bytes, got {bytes.Length}", nameof(bytes));
        ElementType = elementType;
        Shape = (int[])shape.Clone();
        _bytes = bytes;
    }

    /// <summary>The element type.</summary>
    public ArrayElementType ElementType { get; }

    /// <summary>The shape (a copy is not made: do not modify).</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Length => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The raw little-endian bytes, C order.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The elements reinterpreted as <typeparamref name="TElement"/>, which must have the element size.</summary>
    public ReadOnlySpan<TElement> As<TElement>() where TElement : unmanaged
    {
        if (Unsafe.SizeOf<TElement>() != ElementType.Size())
            throw new InvalidOperationException($"a {ElementType.Name()} array cannot be read as {typeof(TElement).Name}");
        return MemoryMarshal.Cast<byte, TElement>(_bytes);
    }

    /// <summary>A copy of the elements as a new array of <typeparamref name="TElement"/> (same size as the element type).</summary>
    public TElement[] ToArray<TElement>() where TElement : unmanaged => As<TElement>().ToArray();

    /// <summary>The values converted to a floating-point tensor (int64 beyond 2⁵³ rounds; bool becomes 0 or 1).</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[Length];
        ElementConverter.Decode(ElementType.Kind(), bigEndian: false, _bytes, values);
        return new Tensor<T>(values, Shape);
    }

    /// <summary>A float32, float64 or float16 array holding a tensor's values.</summary>
    public static TypedArray FromTensor<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var kind = ElementTypes.RequireKindOf<T>("TypedArray.FromTensor");
        var values = tensor.ToArray();
        return new TypedArray(ArrayElementTypes.FromKind(kind)!.Value, tensor.ShapeArray(), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>An array of <typeparamref name="TElement"/> values (bool, integers, floats; <see cref="Half"/> for float16).</summary>
    public static TypedArray From<TElement>(ArrayElementType type, int[] shape, TElement[] values) where TElement : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Unsafe.SizeOf<TElement>() != type.Size())
            throw new ArgumentException($"{typeof(TElement).Name} values do not have the size of {type.Name()}", nameof(values));
        return new TypedArray(type, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>The values converted to another element type (C casts: floats to integers truncate).</summary>
    public TypedArray ConvertTo(ArrayElementType type)
    {
        if (type == ElementType) return this;
        var wide = ToTensor<double>().ToArray();
        var bytes = new byte[wide.Length * type.Size()];
        var span = bytes.AsSpan();
        for (int i = 0; i < wide.Length; i++)
        {
            double v = wide[i];
            switch (type)
            {
                case ArrayElementType.Bool: span[i] = v != 0 ? (byte)1 : (byte)0; break;
                case ArrayElementType.UInt8: span[i] = (byte)v; break;
                case ArrayElementType.Int8: span[i] = (byte)(sbyte)v; break;
                case ArrayElementType.UInt16: MemoryMarshal.Write(span[(2 * i)..], (ushort)v); break;
                case ArrayElementType.Int16: MemoryMarshal.Write(span[(2 * i)..], (short)v); break;
                case ArrayElementType.UInt32: MemoryMarshal.Write(span[(4 * i)..], (uint)v); break;
                case ArrayElementType.Int32: MemoryMarshal.Write(span[(4 * i)..], (int)v); break;
                case ArrayElementType.UInt64: MemoryMarshal.Write(span[(8 * i)..], (ulong)v); break;
                case ArrayElementType.Int64: MemoryMarshal.Write(span[(8 * i)..], (long)v); break;
                case ArrayElementType.Float16: MemoryMarshal.Write(span[(2 * i)..], (Half)v); break;
                case ArrayElementType.Float32: MemoryMarshal.Write(span[(4 * i)..], (float)v); break;
                case ArrayElementType.Float64: MemoryMarshal.Write(span[(8 * i)..], v); break;
            }
        }
        return new TypedArray(type, Shape, bytes);
    }

    /// <summary>"int64 [2, 5]".</summary>
    public override string ToString() => $"{ElementType.Name()} {Shapes.Format(Shape)}";
}
