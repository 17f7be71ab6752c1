using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// An operation of the graph IR: an immutable value holding its attributes. It declares its parameters, infers
/// its output's per-sample shape, and runs forward with autodiff. Every value flowing through a graph has a
/// leading batch axis that shapes here leave out (per-sample shapes).
/// </summary>
public abstract record Op
{
    /// <summary>The op's kind, e.g. <c>Linear</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>How many inputs the op takes.</summary>
    public virtual int InputCount => 1;

    /// <summary>The parameters and buffers this op owns.</summary>
    public virtual IReadOnlyList<ParameterSlot> Parameters => Array.Empty<ParameterSlot>();

    /// <summary>Per-sample output shape from per-sample input shapes; throws <see cref="ShapeMismatchException"/> on misfit.</summary>
    public abstract int[] InferShape(IReadOnlyList<int[]> inputs);

    /// <summary>Runs the op on batched inputs.</summary>
    public abstract Variable<T> Forward<T>(OpContext<T> context, IReadOnlyList<Variable<T>> inputs) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>A readable one-line description of the attributes.</summary>
    public abstract string Describe();

    /// <inheritdoc />
    public sealed override string ToString() => Describe();

    /// <summary>Throws unless the input has the expected per-sample rank.</summary>
    protected int[] Expect(int[] shape, int rank, string what)
    {
        if (shape.Length != rank)
            throw new ShapeMismatchException(Kind, $"expects a {what} input of per-sample rank {rank}", shape);
        return shape;
    }
}
