using System.Numerics;

namespace Noether.Tensors.Autodiff;

/// <summary>
/// A node of the reverse-mode autodiff graph: a value, its accumulated gradient, and the rule that sends an
/// incoming gradient to its parents. Build graphs with the methods of <see cref="Ops"/> (or the operators here),
/// then call <see cref="Backward"/> on a scalar result.
/// </summary>
public sealed class Variable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal readonly Variable<T>[] Parents;
    internal readonly Func<Tensor<T>, Tensor<T>?[]>? BackwardRule;

    internal Variable(Tensor<T> value, bool requiresGrad, Variable<T>[] parents, Func<Tensor<T>, Tensor<T>?[]>? rule, string? opName)
    {
        Value = value;
        RequiresGrad = requiresGrad;
        Parents = parents;
        BackwardRule = rule;
        OpName = opName;
    }

    /// <summary>A leaf variable (a parameter or input) that collects a gradient.</summary>
    public static Variable<T> Parameter(Tensor<T> value, string? name = null) => new(value, true, Array.Empty<Variable<T>>(), null, null) { Name = name };

    /// <summary>A leaf that collects no gradient.</summary>
    public static Variable<T> Constant(Tensor<T> value, string? name = null) => new(value, false, Array.Empty<Variable<T>>(), null, null) { Name = name };

    /// <summary>The forward value.</summary>
    public Tensor<T> Value { get; }

    /// <summary>The accumulated gradient of the last <see cref="Backward"/> call(s), or null.</summary>
    public Tensor<T>? Grad { get; private set; }

    /// <summary>True when a gradient flows into this node.</summary>
    public bool RequiresGrad { get; }

    /// <summary>An optional name (parameter names such as <c>layers.0.weight</c>).</summary>
    public string? Name { get; init; }

    /// <summary>The operation that produced this node, or null for leaves.</summary>
    public string? OpName { get; }

    /// <summary>The shape of <see cref="Value"/>.</summary>
    public ReadOnlySpan<int> Shape => Value.Shape;

    /// <summary>Clears the accumulated gradient.</summary>
    public void ZeroGrad() => Grad = null;

    internal void Accumulate(Tensor<T> g)
    {
        if (!RequiresGrad) return;
        if (!Shapes.Equal(g.Shape, Value.Shape)) g = g.SumTo(Value.Shape);
        Grad = Grad is null ? g.Contiguous() : Grad + g;
    }

    /// <summary>
    /// Back-propagates from this node. Without a seed the node must hold one element and the seed is 1.
    /// Gradients accumulate into <see cref="Grad"/> of every node that requires one.
    /// </summary>
    public void Backward(Tensor<T>? seed = null)
    {
        if (seed is null && Value.Length != 1)
            throw new ShapeMismatchException("Backward", "needs a seed gradient for a non-scalar output", Value.ShapeArray());
        if (seed is not null && !Shapes.Equal(seed.Shape, Value.Shape))
            throw new ShapeMismatchException("Backward", "seed shape differs from the output shape", seed.ShapeArray(), Value.ShapeArray());
        var order = TopologicalOrder();
        var pending = new Dictionary<Variable<T>, Tensor<T>>(ReferenceEqualityComparer.Instance) { [this] = seed ?? Tensor<T>.Ones(Value.ShapeArray()) };
        // Sums created here belong to no one else, so later contributions are added into them in place.
        var owned = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (!pending.Remove(node, out var g)) continue;
            if (node.BackwardRule is null) { node.Accumulate(g); continue; }
            var grads = node.BackwardRule(g);
            for (int p = 0; p < node.Parents.Length; p++)
            {
                var parent = node.Parents[p];
                var pg = grads[p];
                if (pg is null || !parent.RequiresGrad) continue;
                if (!Shapes.Equal(pg.Shape, parent.Value.Shape)) pg = pg.SumTo(parent.Value.Shape);
                if (!pending.TryGetValue(parent, out var acc)) { pending[parent] = pg; continue; }
                if (owned.Contains(acc)) { System.Numerics.Tensors.TensorPrimitives.Add(acc.Span, pg.Contiguous().Span, acc.Span); continue; }
                var sum = acc + pg;
                owned.Add(sum);
                pending[parent] = sum;
            }
        }
    }

    /// <summary>
    /// The leaves reachable from this node that collect a gradient (parameters and differentiable inputs), each
    /// once. After <see cref="Backward"/> their <see cref="Grad"/> holds this node's gradient with respect to them, so
    /// a caller that only has the result of a computation (a loss) can still find what it depends on.
    /// </summary>
    public IReadOnlyList<Variable<T>> GradientLeaves()
    {
        var leaves = new List<Variable<T>>();
        foreach (var node in TopologicalOrder())
            if (node.Parents.Length == 0 && node.BackwardRule is null && node.RequiresGrad) leaves.Add(node);
        return leaves;
    }

    private List<Variable<T>> TopologicalOrder()
    {
        var order = new List<Variable<T>>();
        var visited = new HashSet<Variable<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Variable<T> Node, bool Expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded) { order.Add(node); continue; }
            if (!visited.Add(node)) continue;
            stack.Push((node, true));
            foreach (var p in node.Parents) if (p.RequiresGrad && !visited.Contains(p)) stack.Push((p, false));
        }
        return order;
    }

    /// <inheritdoc />
    public override string ToString() => $"Variable({Name ?? OpName ?? "leaf"}, {Shapes.Format(Value.Shape)}{(RequiresGrad ? ", grad" : "")})";

    /// <summary>Sum with broadcasting.</summary>
    public static Variable<T> operator +(Variable<T> a, Variable<T> b) => Ops.Add(a, b);
    /// <summary>Difference with broadcasting.</summary>
    public static Variable<T> operator -(Variable<T> a, Variable<T> b) => Ops.Sub(a, b);
    /// <summary>Product with broadcasting.</summary>
    public static Variable<T> operator *(Variable<T> a, Variable<T> b) => Ops.Mul(a, b);
    /// <summary>Quotient with broadcasting.</summary>
    public static Variable<T> operator /(Variable<T> a, Variable<T> b) => Ops.Div(a, b);
    /// <summary>Negation.</summary>
    public static Variable<T> operator -(Variable<T> a) => Ops.Neg(a);
    /// <summary>Multiplies by a scalar.</summary>
    public static Variable<T> operator *(Variable<T> a, T s) => Ops.Scale(a, s);
    /// <summary>Adds a scalar.</summary>
    public static Variable<T> operator +(Variable<T> a, T s) => Ops.AddScalar(a, s);
}
