using System.Numerics;

namespace Noether.Tensors.Autodiff;

/// <summary>
/// Every differentiable primitive, each with its forward computation and its one backward rule side by side.
/// Rules return one gradient per parent (null where none flows); <see cref="Variable{T}.Backward"/> un-broadcasts
/// and accumulates them. Split by family: Ops.Elementwise, Ops.Reductions, Ops.Shape, Ops.Linear.
/// </summary>
public static partial class Ops
{
    private static Variable<T> Make<T>(Tensor<T> value, string op, Variable<T>[] parents, Func<Tensor<T>, Tensor<T>?[]> rule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool requires = GradMode.IsEnabled && parents.Any(p => p.RequiresGrad);
        return requires
            ? new Variable<T>(value, true, parents, rule, op)
            : new Variable<T>(value, false, Array.Empty<Variable<T>>(), null, op);
    }
}
