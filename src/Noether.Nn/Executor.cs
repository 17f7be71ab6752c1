using System.Numerics;
using Noether.Nn.Operations;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn;

/// <summary>The result of one forward pass: outputs, every intermediate value, and the parameter leaves (for gradients).</summary>
public sealed class ForwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ForwardPass(Variable<T>[] outputs, Dictionary<string, Variable<T>> values, Dictionary<string, Variable<T>> parameters, Dictionary<string, Tensor<T>> buffers)
    {
        Outputs = outputs; Values = values; Parameters = parameters; BufferUpdates = buffers;
    }

    /// <summary>One variable per graph output.</summary>
    public IReadOnlyList<Variable<T>> Outputs { get; }
    /// <summary>Every value of the graph by name (inputs and node outputs), e.g. hidden activations.</summary>
    public IReadOnlyDictionary<string, Variable<T>> Values { get; }
    /// <summary>Leaf variables of trainable parameters; their <c>Grad</c> is set after <c>Backward</c>.</summary>
    public IReadOnlyDictionary<string, Variable<T>> Parameters { get; }
    /// <summary>New buffer values computed in training mode (BatchNorm running statistics).</summary>
    public IReadOnlyDictionary<string, Tensor<T>> BufferUpdates { get; }
}

/// <summary>Runs a graph forward (with reverse-mode autodiff through <see cref="Variable{T}"/>).</summary>
public static class Executor
{
    /// <summary>
    /// Null unless <paramref name="full"/> (batch first) differs from <paramref name="spec"/> only on axes whose size
    /// the importer pinned from a symbol; then a one-line explanation naming the symbols and what to do.
    /// </summary>
    public static string? PinnedMismatch(InputSpec spec, int[] full)
    {
        if (spec.Symbols is null || full.Length != spec.Shape.Length + 1) return null;
        var differ = Enumerable.Range(0, spec.Shape.Length).Where(i => full[i + 1] != spec.Shape[i]).ToArray();
        if (differ.Length == 0 || differ.Any(i => spec.Symbols[i] is null)) return null;
        var symbols = differ.Select(i => (Symbol: spec.Symbols[i]!, Pinned: spec.Shape[i], Given: full[i + 1])).DistinctBy(d => d.Symbol).ToArray();
        return $"the array has shape {Shapes.Format(full)}, but the graph was imported with "
            + string.Join(", ", symbols.Select(d => $"'{d.Symbol}' pinned to {d.Pinned}"))
            + $" (the graph IR needs concrete sizes); import it again at this size (CLI: "
            + string.Join(" ", symbols.Select(d => $"--dim {d.Symbol}={d.Given}")) + ") or run it with --engine onnxruntime";
    }

    /// <summary>
    /// Runs every node in order. Inputs bind to graph inputs in order and must be [batch, …per-sample shape].
    /// </summary>
    public static ForwardPass<T> Forward<T>(Model<T> model, IReadOnlyList<Tensor<T>> inputs, bool training, Rng? rng = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Forward(model, inputs.Select((t, i) => Variable<T>.Constant(t, model.Graph.Inputs.ElementAtOrDefault(i)?.Name)).ToArray(), training, rng);

    /// <summary>
    /// As <see cref="Forward{T}(Model{T}, IReadOnlyList{Tensor{T}}, bool, Rng?)"/>, but with <paramref name="fuse"/> a Linear
    /// node whose only reader is a ReLU activation runs as one fused node (bias and ReLU in one pass, the ReLU's
    /// gradient read from its output), and at inference without gradients (<c>training</c> false under
    /// <see cref="GradMode.NoGrad"/>) a Conv2d → BatchNorm (→ ReLU) chain runs as one convolution with the
    /// normalisation folded into its weights and bias. Values inside a chain are then absent from
    /// <see cref="ForwardPass{T}.Values"/>; outputs and gradients are unchanged up to rounding. For training and
    /// inference loops (<see cref="Model{T}.Predict"/>).
    /// </summary>
    /// <remarks>Stops between nodes when <paramref name="cancel"/> is signalled.</remarks>
    public static ForwardPass<T> Forward<T>(Model<T> model, IReadOnlyList<Tensor<T>> inputs, bool training, Rng? rng, bool fuse,
        CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Forward(model, inputs.Select((t, i) => Variable<T>.Constant(t, model.Graph.Inputs.ElementAtOrDefault(i)?.Name)).ToArray(), training, rng, null, fuse, null, cancel);

    /// <summary>
    /// Runs every node in order on input variables (so gradients can flow into the inputs). Parameters come from the
    /// model unless <paramref name="parameterOverrides"/> supplies a variable for them (e.g. transformed weights whose
    /// gradient is wanted).
    /// </summary>
    /// <remarks>
    /// <paramref name="valueOverrides"/> replaces the values of the named nodes (cutting the graph there, as stitching
    /// does): those nodes are not run, nor any node only they needed.
    /// </remarks>
    public static ForwardPass<T> Forward<T>(Model<T> model, IReadOnlyList<Variable<T>> inputs, bool training, Rng? rng = null,
        IReadOnlyDictionary<string, Variable<T>>? parameterOverrides = null, IReadOnlyDictionary<string, Variable<T>>? valueOverrides = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Forward(model, inputs, training, rng, parameterOverrides, fuse: false, valueOverrides);

    internal static ForwardPass<T> Forward<T>(Model<T> model, IReadOnlyList<Variable<T>> inputs, bool training, Rng? rng,
        IReadOnlyDictionary<string, Variable<T>>? parameterOverrides, bool fuse, IReadOnlyDictionary<string, Variable<T>>? valueOverrides = null,
        CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = model.Graph;
        if (inputs.Count != g.Inputs.Count)
            throw new ArgumentException($"Model '{g.Name}' takes {g.Inputs.Count} input(s) ({string.Join(", ", g.Inputs)}), got {inputs.Count}");
        var values = new Dictionary<string, Variable<T>>();
        int batch = -1;
        for (int i = 0; i < inputs.Count; i++)
        {
            var spec = g.Inputs[i]; var t = inputs[i].Value;
            // An input without a leading batch axis (a scalar, a state [layers, batch, hidden]) is read only by opaque
            // nodes, which report that ONNX Runtime must run them.
            if (spec.BatchAxis != 0) { values[spec.Name] = inputs[i]; continue; }
            if (t.Rank != spec.Shape.Length + 1 || !t.Shape[1..].SequenceEqual(spec.Shape))
            {
                if (PinnedMismatch(spec, t.ShapeArray()) is { } pinned) throw new ArgumentException($"Model '{g.Name}' input '{spec.Name}': {pinned}");
                throw new ShapeMismatchException($"Model '{g.Name}' input '{spec.Name}'", $"expects [batch, {string.Join(", ", spec.Shape)}]", t.ShapeArray(), spec.Shape);
            }
            if (batch >= 0 && t.Dim(0) != batch) throw new ShapeMismatchException($"Model '{g.Name}'", "inputs disagree on the batch size", inputs[0].Value.ShapeArray(), t.ShapeArray());
            batch = t.Dim(0);
            values[spec.Name] = inputs[i];
        }
        var parameters = new Dictionary<string, Variable<T>>();
        foreach (var p in g.Parameters)
            parameters[p.Name] = parameterOverrides is not null && parameterOverrides.TryGetValue(p.Name, out var given) ? given
                : p.Trainable ? Variable<T>.Parameter(model[p.Name], p.Name) : Variable<T>.Constant(model[p.Name], p.Name);
        var buffers = new Dictionary<string, Tensor<T>>();
        rng ??= new Rng(0);
        var needed = valueOverrides is null ? null : Needed(g, valueOverrides);
        var plan = fuse && valueOverrides is null ? FusionPlan.For(g, inference: !training && !GradMode.IsEnabled) : null;
        foreach (var node in g.Nodes)
        {
            cancel.ThrowIfCancellationRequested();
            if (valueOverrides is not null && valueOverrides.TryGetValue(node.Name, out var replaced)) { values[node.Name] = replaced; continue; }
            if (needed is not null && !needed.Contains(node.Name)) continue;
            if (plan is not null && plan.Absorbed.Contains(node.Name)) continue;
            OpContext<T> Context(string name) => new(name, parameters, training, rng, (n, value) => buffers[n] = value);
            if (plan is not null && plan.Chains.TryGetValue(node.Name, out var chain))
            {
                values[node.Name] = FusedKernels.Run(chain, n => values[n], Context);
                continue;
            }
            var args = node.Inputs.Select(n => values[n]).ToArray();
            values[node.Name] = node.Op.Forward(Context(node.Name), args);
        }
        return new ForwardPass<T>(g.Outputs.Select(o => values[o]).ToArray(), values, parameters.Where(kv => kv.Value.RequiresGrad).ToDictionary(), buffers);
    }

    /// <summary>Nodes the outputs depend on when the overridden values are given (the search stops at them).</summary>
    private static HashSet<string> Needed<T>(Graph g, IReadOnlyDictionary<string, Variable<T>> overrides) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var name in overrides.Keys)
            if (g.Producer(name) is null) throw new ArgumentException($"Model '{g.Name}' has no node '{name}' to replace");
        var needed = new HashSet<string>();
        var stack = new Stack<string>(g.Outputs);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (!needed.Add(v) || overrides.ContainsKey(v) || g.Producer(v) is not { } node) continue;
            foreach (var i in node.Inputs) stack.Push(i);
        }
        return needed;
    }
}
