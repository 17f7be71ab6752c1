namespace Noether.Nn.Operations;

/// <summary>
/// A named parameter (or buffer) an op owns. Its full name is <c>{node name}.{Role}</c>, PyTorch style
/// (e.g. <c>layers.0.weight</c>). Buffers (<see cref="Trainable"/> false) such as BatchNorm running statistics
/// are saved with the model but receive no gradient.
/// </summary>
public sealed record ParameterSlot(string Role, int[] Shape, Initializer Init, bool Trainable = true)
{
    /// <inheritdoc />
    public bool Equals(ParameterSlot? other) => other is not null && Role == other.Role && Shape.SequenceEqual(other.Shape) && Init == other.Init && Trainable == other.Trainable;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Role, Shape.Length, Trainable);

    /// <inheritdoc />
    public override string ToString() => $"{Role}{Noether.Tensors.Shapes.Format(Shape)}{(Trainable ? "" : " (buffer)")}";
}
