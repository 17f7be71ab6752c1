namespace Noether.Nn.Training;

/// <summary>Where one parameter tensor lives inside a <see cref="ParameterVector"/>.</summary>
/// <param name="Name">Full parameter name (e.g. <c>layers.0.weight</c>).</param>
/// <param name="Offset">Index of the tensor's first element in the flat vector.</param>
/// <param name="Shape">The tensor's shape; its elements follow in row-major order.</param>
public sealed record ParameterSegment(string Name, int Offset, int[] Shape)
{
    /// <summary>Number of elements.</summary>
    public int Length => Noether.Tensors.Shapes.Size(Shape);
}
