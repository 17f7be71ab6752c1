using System.Numerics;
using System.Text;

namespace Noether.Tensors;

/// <summary>
/// A dense n-dimensional array of <typeparamref name="T"/> (float or double) over shared storage.
/// Views (reshape, transpose, slice, broadcast) share storage with their source; operations return new tensors.
/// Shape and strides are immutable; element values are mutable through the indexer and <see cref="Span"/>.
/// </summary>
public sealed partial class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;
    private readonly int[] _strides;

    internal Tensor(Memory<T> storage, int offset, int[] shape, int[] strides)
    {
        Storage = storage;
        Offset = offset;
        _shape = shape;
        _strides = strides;
        Length = Shapes.Size(shape);
        IsContiguous = ComputeContiguous(shape, strides);
    }

    /// <summary>Creates a contiguous tensor of the given shape over a zeroed buffer (from the active <see cref="TensorArena"/>, if any).</summary>
    public Tensor(params int[] shape) : this(TensorArena.Allocate<T>(Shapes.Size(shape), clear: true), 0, (int[])shape.Clone(), Shapes.ContiguousStrides(shape)) { }

    /// <summary>Wraps existing data (row-major) as a tensor of the given shape without copying.</summary>
    public Tensor(Memory<T> data, params int[] shape)
        : this(data, 0, (int[])shape.Clone(), Shapes.ContiguousStrides(shape))
    {
        if (data.Length != Length)
            throw new ShapeMismatchException("Tensor", $"data has {data.Length} elements but the shape needs {Length}", shape);
    }

    /// <summary>The underlying storage, possibly shared with other views.</summary>
    public Memory<T> Storage { get; }

    /// <summary>Index of element [0, …, 0] in <see cref="Storage"/>.</summary>
    public int Offset { get; }

    /// <summary>Dimensions.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Element strides per dimension (0 for broadcast dimensions).</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True when elements are laid out row-major without gaps starting at <see cref="Offset"/>.</summary>
    public bool IsContiguous { get; }

    /// <summary>Size of one dimension; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[Shapes.NormalizeAxis(axis, Rank, "Dim")];

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>The elements as a span; only for contiguous tensors.</summary>
    public Span<T> Span
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"Span needs a contiguous tensor; this one has shape {Shapes.Format(_shape)} and strides {Shapes.Format(_strides)}. Call Contiguous() first.");
            return Storage.Span.Slice(Offset, Length);
        }
    }

    /// <summary>Element access by full index.</summary>
    public T this[params int[] index]
    {
        get => Storage.Span[FlatIndex(index)];
        set => Storage.Span[FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"Index of rank {index.Length} for tensor of shape {Shapes.Format(_shape)}");
        int flat = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i]) throw new IndexOutOfRangeException($"Index {Shapes.Format(index)} is out of range for shape {Shapes.Format(_shape)}");
            flat += index[i] * _strides[i];
        }
        return flat;
    }

    /// <summary>Returns the elements in row-major order as a new array.</summary>
    public T[] ToArray()
    {
        if (IsContiguous) return Span.ToArray();
        var result = new T[Length];
        StridedCopy.Gather(Storage.Span, Offset, _shape, _strides, result);
        return result;
    }

    /// <summary>Returns this tensor if contiguous, otherwise a contiguous copy.</summary>
    public Tensor<T> Contiguous()
    {
        if (IsContiguous) return this;
        var result = Uninitialized(_shape);
        StridedCopy.Gather(Storage.Span, Offset, _shape, _strides, result.Span);
        return result;
    }

    /// <summary>A contiguous deep copy that shares nothing with this tensor.</summary>
    public Tensor<T> Clone() => new(ToArray(), _shape);

    /// <summary>Converts to another element type.</summary>
    public Tensor<TOut> Cast<TOut>() where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        var src = Contiguous().Span;
        var dst = new TOut[Length];
        // Vectorised; the same values as TOut.CreateChecked element by element (a copy when the types agree).
        System.Numerics.Tensors.TensorPrimitives.ConvertChecked<T, TOut>(src, dst);
        return new Tensor<TOut>(dst, _shape);
    }

    /// <summary>The single element of a tensor with one element.</summary>
    public T ToScalar()
    {
        if (Length != 1) throw new InvalidOperationException($"ToScalar() needs exactly one element; shape is {Shapes.Format(_shape)}");
        return Storage.Span[Offset];
    }

    private static bool ComputeContiguous(int[] shape, int[] strides)
    {
        if (shape.Contains(0)) return true; // an empty tensor has no layout to violate
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"Tensor<{typeof(T).Name}>{Shapes.Format(_shape)}");
        if (Length <= 16)
        {
            sb.Append(' ').Append('[');
            sb.Append(string.Join(", ", ToArray().Select(v => v.ToString("G6", null))));
            sb.Append(']');
        }
        return sb.ToString();
    }
}
