using System.Numerics;
using System.Runtime.InteropServices;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// One tensor to write with <see cref="SafetensorsWriter"/>: either a float, double or Half tensor
/// (<see cref="From{T}"/>) or raw little-endian bytes of any dtype (<see cref="Raw"/>).
/// </summary>
public sealed class SafetensorsTensor
{
    private readonly int[] _shape;
    private readonly object? _tensor;
    private readonly Action<Stream> _writeData;

    private SafetensorsTensor(string name, SafetensorsDtype dtype, int[] shape, long byteLength, object? tensor, Action<Stream> writeData)
    {
        Name = name;
        Dtype = dtype;
        _shape = shape;
        ByteLength = byteLength;
        _tensor = tensor;
        _writeData = writeData;
    }

    /// <summary>The tensor's name in the file.</summary>
    public string Name { get; }

    /// <summary>The stored element type.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>Dimensions.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Number of data bytes.</summary>
    public long ByteLength { get; }

    /// <summary>A tensor entry: float → F32, double → F64, Half → F16. Non-contiguous tensors are written in row-major order.</summary>
    public static SafetensorsTensor From<T>(string name, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(tensor);
        var dtype = SafetensorsDtypes.FromElementKind(ElementTypes.RequireKindOf<T>("SafetensorsTensor.From"));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Writing safetensors needs a little-endian machine");
        return new SafetensorsTensor(name, dtype, tensor.ShapeArray(), (long)tensor.Length * dtype.Size(), tensor,
            stream => WriteElements(stream, tensor));
    }

    /// <summary>A raw entry: <paramref name="data"/> must hold exactly shape product × dtype size little-endian bytes.</summary>
    public static SafetensorsTensor Raw(string name, SafetensorsDtype dtype, int[] shape, ReadOnlyMemory<byte> data)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(shape);
        long elements = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ShapeMismatchException("SafetensorsTensor.Raw", $"tensor '{name}' has a negative dimension", shape);
            elements *= d;
            if (elements > long.MaxValue / 8) throw new ShapeMismatchException("SafetensorsTensor.Raw", $"tensor '{name}' has too many elements", shape);
        }
        long needed = elements * dtype.Size();
        if (needed != data.Length)
            throw new ShapeMismatchException("SafetensorsTensor.Raw", $"tensor '{name}' of dtype {dtype.ToHeaderName()} needs {needed} bytes but {data.Length} were given", shape);
        return new SafetensorsTensor(name, dtype, (int[])shape.Clone(), needed, null, stream => stream.Write(data.Span));
    }

    /// <summary>
    /// An entry whose data is made only when the writer reaches it (<paramref name="make"/> must give an entry of the
    /// same dtype and shape), so a file is written holding one tensor in memory at a time.
    /// </summary>
    internal static SafetensorsTensor Deferred(string name, SafetensorsDtype dtype, int[] shape, Func<SafetensorsTensor> make)
    {
        CheckName(name);
        long bytes = dtype.Size();
        foreach (var d in shape) bytes *= d;
        return new SafetensorsTensor(name, dtype, (int[])shape.Clone(), bytes, null, stream =>
        {
            var t = make();
            if (t.Dtype != dtype || t.ByteLength != bytes)
                throw new InvalidOperationException($"deferred tensor '{name}' was planned as {dtype.ToHeaderName()} of {bytes} bytes, made as {t.Dtype.ToHeaderName()} of {t.ByteLength}");
            t.WriteData(stream);
        });
    }

    /// <summary>The tensor this entry was made from by <see cref="From{T}"/>, or null for raw entries and other element types.</summary>
    public Tensor<T>? AsTensor<T>() where T : unmanaged, IFloatingPointIeee754<T> => _tensor as Tensor<T>;

    internal void WriteData(Stream stream) => _writeData(stream);

    /// <summary>Writes a tensor's elements in row-major order (zero-size tensors write nothing).</summary>
    internal static void WriteElements<T>(Stream stream, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Zero-size tensors can report IsContiguous == false, so never ask them for a span.
        if (tensor.Length > 0) stream.Write(MemoryMarshal.AsBytes(tensor.Contiguous().Span));
    }

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved for the metadata map and cannot name a tensor", nameof(name));
    }
}
