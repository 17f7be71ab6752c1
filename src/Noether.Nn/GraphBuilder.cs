using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Nn;

/// <summary>A value handle returned by <see cref="GraphBuilder"/>.</summary>
public readonly record struct ValueId(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// Builds a <see cref="Graph"/> node by node, inferring shapes as it goes so that a misfit fails at the node that
/// causes it. Node names become parameter prefixes (<c>layers.0</c> → <c>layers.0.weight</c>).
/// </summary>
public sealed class GraphBuilder(string name = "model")
{
    private readonly List<InputSpec> _inputs = new();
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<string, int[]> _shapes = new();
    private int _auto;

    /// <summary>Declares a graph input with its per-sample shape.</summary>
    public ValueId Input(string inputName, params int[] shape)
    {
        if (_shapes.ContainsKey(inputName)) throw new ArgumentException($"Value '{inputName}' already exists");
        _inputs.Add(new InputSpec(inputName, (int[])shape.Clone()));
        _shapes[inputName] = shape;
        return new ValueId(inputName);
    }

    /// <summary>Adds a node applying <paramref name="op"/> to <paramref name="inputs"/>; auto-names it when <paramref name="nodeName"/> is null.</summary>
    public ValueId Add(Op op, string? nodeName, params ValueId[] inputs)
    {
        nodeName ??= $"{op.Kind.ToLowerInvariant()}_{_auto++}";
        if (_shapes.ContainsKey(nodeName)) throw new ArgumentException($"Value '{nodeName}' already exists");
        if (inputs.Length != op.InputCount) throw new ArgumentException($"{nodeName} ({op.Kind}) takes {op.InputCount} inputs, got {inputs.Length}");
        var inShapes = inputs.Select(i => _shapes.TryGetValue(i.Name, out var s) ? s : throw new ArgumentException($"{nodeName}: unknown input '{i.Name}'")).ToArray();
        int[] outShape;
        try { outShape = op.InferShape(inShapes); }
        catch (ShapeMismatchException e) { throw new ShapeMismatchException($"{nodeName} ({op.Kind})", e.Message, inShapes); }
        _nodes.Add(new Node(nodeName, op, inputs.Select(i => i.Name).ToArray()));
        _shapes[nodeName] = outShape;
        return new ValueId(nodeName);
    }

    /// <summary>Per-sample shape of a value built so far.</summary>
    public int[] ShapeOf(ValueId v) => (int[])_shapes[v.Name].Clone();

    /// <summary>Linear layer.</summary>
    public ValueId Linear(ValueId x, int outFeatures, string? nodeName = null, bool bias = true) => Add(new LinearOp(_shapes[x.Name][^1], outFeatures, bias), nodeName, x);
    /// <summary>Elementwise activation.</summary>
    public ValueId Activation(ValueId x, Activation f, string? nodeName = null) => Add(new ActivationOp(f), nodeName, x);
    /// <summary>2-D convolution.</summary>
    public ValueId Conv2d(ValueId x, int outChannels, int kernel, int stride = 1, int padding = 0, int groups = 1, bool bias = true, string? nodeName = null)
        => Add(new Conv2dOp(_shapes[x.Name][0], outChannels, kernel, kernel, Conv2dOptions.Square(stride, padding, 1, groups), bias), nodeName, x);
    /// <summary>Max pooling.</summary>
    public ValueId MaxPool2d(ValueId x, int kernel, int? stride = null, int padding = 0, string? nodeName = null) => Add(new MaxPool2dOp(Pool2dOptions.Square(kernel, stride, padding)), nodeName, x);
    /// <summary>Global average pooling.</summary>
    public ValueId GlobalAvgPool(ValueId x, string? nodeName = null) => Add(new GlobalAvgPoolOp(), nodeName, x);
    /// <summary>Flatten per-sample axes.</summary>
    public ValueId Flatten(ValueId x, string? nodeName = null) => Add(new FlattenOp(), nodeName, x);
    /// <summary>Residual sum.</summary>
    public ValueId Residual(ValueId a, ValueId b, string? nodeName = null) => Add(new AddOp(), nodeName, a, b);
    /// <summary>Batch normalisation over channels.</summary>
    public ValueId BatchNorm(ValueId x, string? nodeName = null) => Add(new BatchNormOp(_shapes[x.Name][0]), nodeName, x);
    /// <summary>Layer normalisation over the last axis.</summary>
    public ValueId LayerNorm(ValueId x, string? nodeName = null) => Add(new LayerNormOp(_shapes[x.Name][^1]), nodeName, x);
    /// <summary>RMS normalisation over the last axis.</summary>
    public ValueId RmsNorm(ValueId x, string? nodeName = null) => Add(new RmsNormOp(_shapes[x.Name][^1]), nodeName, x);

    /// <summary>Freezes the graph with the given outputs.</summary>
    public Graph Build(params ValueId[] outputs) => new(_inputs, _nodes, outputs.Select(o => o.Name).ToArray(), name);
}
