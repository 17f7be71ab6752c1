namespace Noether.Tensors;

/// <summary>Shape arithmetic shared by every tensor operation: sizes, strides, broadcasting, axis normalisation.</summary>
public static class Shapes
{
    /// <summary>Formats a shape as <c>[2, 3, 4]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Number of elements of a shape, with overflow checked.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape {Format(shape)}");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape {Format(shape)} has more than {Array.MaxLength} elements");
        }
        return (int)n;
    }

    /// <summary>Row-major (C-order) strides of a shape.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>Maps a possibly negative axis into [0, rank), naming the shape on failure.</summary>
    public static int NormalizeAxis(int axis, int rank, string operation)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"{operation}: axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    /// <summary>NumPy broadcasting of two shapes; throws <see cref="ShapeMismatchException"/> naming both.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string operation)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeMismatchException(operation, $"dimension {i} is {da} in one and {db} in the other and cannot be broadcast", a.ToArray(), b.ToArray());
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>True when two shapes are equal element by element.</summary>
    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
