namespace Noether.Tensors;

/// <summary>Thrown when tensor shapes are incompatible; the message always names every shape involved.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>Creates the exception from an operation name, a reason and the offending shapes.</summary>
    public ShapeMismatchException(string operation, string reason, params int[][] shapes)
        : base($"{operation}: {reason} (shapes {string.Join(" and ", shapes.Select(s => Shapes.Format(s)))})")
    {
        Operation = operation;
        OffendingShapes = shapes.Select(s => (IReadOnlyList<int>)s.ToArray()).ToArray();
    }

    /// <summary>The operation that rejected its inputs.</summary>
    public string Operation { get; }

    /// <summary>The shapes that did not fit together.</summary>
    public IReadOnlyList<IReadOnlyList<int>> OffendingShapes { get; }
}
