using System.Text;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn;

/// <summary>
/// A graph input: a name and its per-sample shape (the batch axis is implicit: axis 0 unless <see cref="BatchAxis"/>
/// says otherwise).
/// </summary>
public sealed record InputSpec(string Name, int[] Shape)
{
    /// <summary>
    /// The element type when it is not floating point, named as in the source format (<c>int64</c>, <c>bool</c>, …),
    /// e.g. token ids of an imported transformer; null for ordinary inputs of the model's floating-point type. Only
    /// opaque nodes (<see cref="Operations.OpaqueOp"/>) read such inputs.
    /// </summary>
    public string? ElementType { get; init; }

    /// <summary>
    /// Where the batch axis sits in the full input: 0 for ordinary inputs, k &gt; 0 for a recurrent state laid out
    /// [layers, batch, hidden], −1 for an input without a batch axis (a scalar sample rate): <see cref="Shape"/> is then
    /// the full shape. Only opaque nodes read inputs whose batch axis is not 0.
    /// </summary>
    public int BatchAxis { get; init; }

    /// <summary>
    /// Per axis of <see cref="Shape"/>, the name of the symbolic size the source file declared there (an ONNX
    /// <c>dim_param</c> such as <c>sequence</c>), which the importer pinned to the size in <see cref="Shape"/>; null
    /// when every size is fixed. The graph is valid only at the pinned sizes.
    /// </summary>
    public IReadOnlyList<string?>? Symbols { get; init; }

    /// <summary>The pinned symbols of this input as (per-sample axis, symbol, size).</summary>
    public IEnumerable<(int Axis, string Symbol, int Size)> Pinned
        => Symbols is null ? [] : Symbols.Select((s, i) => (i, s, Shape[i])).Where(p => p.s is not null).Select(p => (p.i, p.s!, p.Item3));

    /// <inheritdoc />
    public bool Equals(InputSpec? other) => other is not null && Name == other.Name && Shape.SequenceEqual(other.Shape) && ElementType == other.ElementType
        && BatchAxis == other.BatchAxis && (Symbols ?? []).SequenceEqual(other.Symbols ?? []);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Shape.Length);
    /// <inheritdoc />
    public override string ToString()
    {
        var dims = Shape.Select((d, i) => Symbols?[i] is { } s ? $"{s}={d}" : d.ToString());
        var batch = BatchAxis == 0 ? "" : BatchAxis < 0 ? " (no batch axis)" : $" (batch on axis {BatchAxis})";
        return $"{Name}[{string.Join(", ", dims)}]{(ElementType is null ? "" : $" {ElementType}")}{batch}";
    }
}

/// <summary>One operation of the graph. Its output value carries the node's name.</summary>
public sealed record Node(string Name, Op Op, IReadOnlyList<string> Inputs)
{
    /// <inheritdoc />
    public bool Equals(Node? other) => other is not null && Name == other.Name && Op == other.Op && Inputs.SequenceEqual(other.Inputs);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Op);
    /// <inheritdoc />
    public override string ToString() => $"{Name} = {Op.Describe()}({string.Join(", ", Inputs)})";
}

/// <summary>A parameter or buffer of the graph with its full PyTorch-style name and owning node.</summary>
public sealed record ParameterInfo(string Name, string NodeName, ParameterSlot Slot)
{
    /// <summary>The parameter's shape.</summary>
    public int[] Shape => Slot.Shape;
    /// <summary>True for trainable parameters, false for buffers.</summary>
    public bool Trainable => Slot.Trainable;
}

/// <summary>
/// The graph IR: a DAG of ops over named values, stored in topological order, with every value's per-sample shape
/// inferred at construction. Immutable. Build one with <see cref="GraphBuilder"/>.
/// </summary>
public sealed class Graph
{
    private readonly Dictionary<string, int[]> _shapes = new();
    private readonly Dictionary<string, Node> _byName = new();
    private readonly Dictionary<string, List<Node>> _consumers = new();

    /// <summary>
    /// Validates and freezes a graph; throws naming the offending node on any inconsistency, and
    /// <see cref="OperationCanceledException"/> between nodes when <paramref name="cancel"/> is cancelled.
    /// </summary>
    public Graph(IReadOnlyList<InputSpec> inputs, IReadOnlyList<Node> nodes, IReadOnlyList<string> outputs, string name = "model", CancellationToken cancel = default)
    {
        Name = name;
        Inputs = inputs.ToArray();
        Nodes = nodes.ToArray();
        Outputs = outputs.ToArray();
        if (Inputs.Count == 0) throw new ArgumentException($"Graph '{name}' has no inputs");
        if (Outputs.Count == 0) throw new ArgumentException($"Graph '{name}' has no outputs");
        foreach (var i in Inputs)
        {
            if (i.Shape is null || i.Shape.Any(d => d < 0)) throw new ArgumentException($"Graph '{name}': input '{i.Name}' has an invalid shape {(i.Shape is null ? "null" : Shapes.Format(i.Shape))}");
            if (!_shapes.TryAdd(i.Name, i.Shape)) throw new ArgumentException($"Graph '{name}': duplicate value name '{i.Name}'");
            _consumers[i.Name] = new();
        }
        var parameters = new List<ParameterInfo>();
        foreach (var node in Nodes)
        {
            if ((_byName.Count & 1023) == 0) cancel.ThrowIfCancellationRequested();
            if (_shapes.ContainsKey(node.Name)) throw new ArgumentException($"Graph '{name}': duplicate value name '{node.Name}'");
            if (node.Inputs.Count != node.Op.InputCount)
                throw new ArgumentException($"Graph '{name}': node '{node.Name}' ({node.Op.Kind}) takes {node.Op.InputCount} inputs, got {node.Inputs.Count}");
            var inShapes = new List<int[]>();
            foreach (var input in node.Inputs)
            {
                if (!_shapes.TryGetValue(input, out var s))
                    throw new ArgumentException($"Graph '{name}': node '{node.Name}' reads '{input}', which is not defined before it");
                inShapes.Add(s);
                _consumers[input].Add(node);
            }
            try
            {
                var shape = node.Op.InferShape(inShapes);
                Shapes.Size(shape); // non-negative, and small enough to hold
                _shapes[node.Name] = shape;
                foreach (var slot in node.Op.Parameters)
                {
                    Shapes.Size(slot.Shape);
                    parameters.Add(new ParameterInfo($"{node.Name}.{slot.Role}", node.Name, slot));
                }
            }
            catch (ShapeMismatchException e) { throw new ShapeMismatchException($"{node.Name} ({node.Op.Kind})", e.Message, inShapes.ToArray()); }
            // Attributes no op accepts (a zero stride, sizes that overflow) are the node's fault too, never a crash.
            catch (Exception e) when (e is ArgumentException or ArithmeticException or IndexOutOfRangeException)
            {
                throw new ArgumentException($"Graph '{name}': node '{node.Name}' ({node.Op.Kind}) is invalid for inputs {string.Join(", ", inShapes.Select(s => Shapes.Format(s)))}: {e.Message}", e);
            }
            _byName[node.Name] = node;
            _consumers[node.Name] = new();
        }
        foreach (var o in Outputs)
            if (!_shapes.ContainsKey(o)) throw new ArgumentException($"Graph '{name}': output '{o}' is not a value of the graph");
        var names = new HashSet<string>(parameters.Count, StringComparer.Ordinal);
        foreach (var p in parameters)
            if (!names.Add(p.Name)) throw new ArgumentException($"Graph '{name}': parameter name '{p.Name}' is used twice");
        Parameters = parameters;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }
    /// <summary>Graph inputs in binding order.</summary>
    public IReadOnlyList<InputSpec> Inputs { get; }
    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<Node> Nodes { get; }
    /// <summary>Names of the output values in order.</summary>
    public IReadOnlyList<string> Outputs { get; }
    /// <summary>Every parameter and buffer, in declaration order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    /// <summary>Per-sample shape of a value.</summary>
    public int[] ShapeOf(string value) => _shapes.TryGetValue(value, out var s) ? (int[])s.Clone() : throw new KeyNotFoundException($"Graph '{Name}' has no value '{value}'");

    /// <summary>The node producing a value, or null for graph inputs.</summary>
    public Node? Producer(string value) => _byName.GetValueOrDefault(value);

    /// <summary>The nodes that read a value.</summary>
    public IReadOnlyList<Node> Consumers(string value) => _consumers.TryGetValue(value, out var c) ? c : throw new KeyNotFoundException($"Graph '{Name}' has no value '{value}'");

    /// <summary>A node by name.</summary>
    public Node this[string nodeName] => _byName.TryGetValue(nodeName, out var n) ? n : throw new KeyNotFoundException($"Graph '{Name}' has no node '{nodeName}'");

    /// <summary>Total number of trainable scalars.</summary>
    public long TrainableParameterCount => Parameters.Where(p => p.Trainable).Sum(p => (long)Shapes.Size(p.Shape));

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Graph {Name}: inputs {string.Join(", ", Inputs)} → outputs {string.Join(", ", Outputs)}");
        foreach (var n in Nodes) sb.AppendLine($"  {n}  : {Shapes.Format(_shapes[n.Name])}");
        return sb.ToString();
    }
}
