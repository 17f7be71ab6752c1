namespace Noether.IO;

/// <summary>One tensor's entry in a safetensors header: name, dtype, shape and byte range in the data buffer.</summary>
public sealed class SafetensorsEntry
{
    private readonly int[] _shape;

    internal SafetensorsEntry(string name, SafetensorsDtype dtype, int[] shape, long dataBegin, long dataEnd)
    {
        Name = name;
        Dtype = dtype;
        _shape = shape;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        long n = 1;
        foreach (var d in shape) n *= d; // validated by the header parser: cannot overflow
        ElementCount = n;
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>The stored element type.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>Dimensions (row-major).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount { get; }

    /// <summary>Start of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataEnd { get; }

    /// <summary>Number of bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Dtype.ToHeaderName()} [{string.Join(", ", _shape)}] bytes [{DataBegin}, {DataEnd})";
}
