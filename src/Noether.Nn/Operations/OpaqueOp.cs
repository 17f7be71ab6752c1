using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>Where one input of an <see cref="OpaqueOp"/>'s original node comes from.</summary>
public enum OpaqueSourceKind
{
    /// <summary>An optional input left empty.</summary>
    Absent,
    /// <summary>A graph value: the op's IR input <see cref="OpaqueSource.Index"/>.</summary>
    Input,
    /// <summary>A floating-point weight: the op's parameter with role <see cref="OpaqueSource.Role"/>.</summary>
    Parameter,
    /// <summary>A fixed tensor kept verbatim in <see cref="OpaqueSource.Tensor"/> (integer shapes, axes, …).</summary>
    Constant,
    /// <summary>
    /// An integer vector (or scalar) whose entries depend on the batch size N: entry i is
    /// <see cref="OpaqueSource.Coefficients"/>[i], times N where <see cref="OpaqueSource.Batched"/>[i]; N is read from
    /// axis 0 of IR input <see cref="OpaqueSource.Index"/>.
    /// </summary>
    BatchShape,
}

/// <summary>
/// One input of an opaque node. <see cref="ElementType"/> names the value's element type as the source format does
/// (<c>float32</c>, <c>int64</c>, <c>bool</c>, …); <see cref="Shape"/> is the parameter's shape, or for
/// <see cref="OpaqueSourceKind.BatchShape"/> the value's shape ([] or [n]). <see cref="Tensor"/> is the constant
/// serialized by the format that created it (for ONNX, a TensorProto); the IR never reads it. <see cref="Name"/> is set
/// for implicit inputs: values the node's subgraphs (an ONNX If's branches, a Loop's body) read by their original name
/// from the enclosing graph, which a writer must provide under that name.
/// </summary>
public sealed record OpaqueSource(OpaqueSourceKind Kind, int Index = -1, string Role = "", int[]? Shape = null, string ElementType = "",
    byte[]? Tensor = null, long[]? Coefficients = null, bool[]? Batched = null, string? Name = null)
{
    /// <inheritdoc />
    public bool Equals(OpaqueSource? other) => other is not null && Kind == other.Kind && Index == other.Index && Role == other.Role
        && ElementType == other.ElementType && Name == other.Name && Same(Shape, other.Shape) && Same(Tensor, other.Tensor)
        && Same(Coefficients, other.Coefficients) && Same(Batched, other.Batched);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Index, Role);

    internal static bool Same<TItem>(TItem[]? a, TItem[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}

/// <summary>
/// A node of an imported model that the IR keeps without understanding it: an op type the importer does not map,
/// or a form of a known op the per-sample IR cannot express (a transpose that moves the batch axis, integer
/// inputs, …). It remembers everything needed to write the original node back — op type, domain, opset, the
/// serialized node (<see cref="Node"/>: attributes, name, original value names; bytes of the source format, which
/// the IR does not read), where each input comes from (<see cref="Sources"/>) — and the shape and element type of
/// the one output it stands for. A node with several used outputs becomes one IR node per output: the first
/// (<see cref="Secondary"/> false) owns the parameters, each further one reads the first one's value as its last
/// IR input so the group stays together. Our executor cannot run it (<see cref="Forward{T}"/> throws); the symmetry
/// deriver fixes every space it touches.
/// </summary>
/// <param name="OpType">The source op type, e.g. <c>LSTM</c>.</param>
/// <param name="Domain">The op's domain; empty for the default ONNX domain.</param>
/// <param name="Opset">The opset version of <paramref name="Domain"/> the model was written for.</param>
/// <param name="Node">The original node, serialized by the source format.</param>
/// <param name="Sources">One entry per input position of the original node, then its implicit (subgraph) inputs.</param>
/// <param name="Output">Which output of the original node this IR node is.</param>
/// <param name="OutputCount">How many outputs the original node declares.</param>
/// <param name="Shape">
/// The output's per-sample shape: its full shape without the batch axis (at <paramref name="BatchAxis"/>), or, when
/// the output has no batch axis (<paramref name="BatchAxis"/> −1), its full shape at batch size 1 (or 2 for a model that
/// cannot run one sample).
/// </param>
/// <param name="ElementType">The output's element type (<c>float32</c>, <c>int64</c>, …).</param>
/// <param name="BatchAxis">Where the batch axis sits in the full output; 0 for ordinary per-sample values.</param>
/// <param name="Secondary">True for the IR nodes of outputs after the first used one.</param>
public sealed record OpaqueOp(string OpType, string Domain, int Opset, byte[] Node, OpaqueSource[] Sources, int Output, int OutputCount,
    int[] Shape, string ElementType, int BatchAxis = 0, bool Secondary = false) : Op
{
    public override string Kind => "Opaque";

    /// <summary>The op type with its domain, e.g. <c>com.microsoft.FusedGemm</c> or <c>LSTM</c>.</summary>
    public string QualifiedType => Domain.Length == 0 || Domain == "ai.onnx" ? OpType : $"{Domain}.{OpType}";

    /// <summary>
    /// How many inputs are graph values — those the node reads, and those a batch-dependent shape takes the batch size
    /// from — plus the first node of the group for secondary outputs.
    /// </summary>
    public override int InputCount => Sources.Where(s => s.Kind is OpaqueSourceKind.Input or OpaqueSourceKind.BatchShape)
        .Select(s => s.Index + 1).DefaultIfEmpty(0).Max() + (Secondary ? 1 : 0);

    /// <summary>The weights among the inputs (owned by the group's first node only).</summary>
    public override IReadOnlyList<ParameterSlot> Parameters => Secondary ? [] : Sources.Where(s => s.Kind is OpaqueSourceKind.Parameter)
        .Select(s => new ParameterSlot(s.Role, s.Shape ?? [], Initializer.Zeros)).ToArray();

    /// <summary>True when the output is an ordinary per-sample value of a floating-point type.</summary>
    public bool IsPerSampleFloat => BatchAxis == 0 && ElementType is "float32" or "float64" or "float16" or "bfloat16";

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        if (inputs.Count != InputCount) throw new ShapeMismatchException(Kind, $"{QualifiedType} expects {InputCount} graph inputs, got {inputs.Count}", Shape);
        return (int[])Shape.Clone();
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => throw new NotSupportedException($"node '{c.NodeName}' is the ONNX op {QualifiedType}, which Noether's executor cannot run; run it with --engine onnxruntime");

    public override string Describe()
    {
        var parameters = Secondary ? 0 : Sources.Count(s => s.Kind is OpaqueSourceKind.Parameter);
        var outputs = OutputCount > 1 ? $" output {Output} of {OutputCount}," : "";
        var batch = BatchAxis == 0 ? "" : BatchAxis < 0 ? ", no batch axis" : $", batch on axis {BatchAxis}";
        return $"Opaque({QualifiedType} opset {Opset},{outputs} {parameters} weights → {ElementType} {Shapes.Format(Shape)}{batch})";
    }

    /// <inheritdoc />
    public bool Equals(OpaqueOp? other) => other is not null && OpType == other.OpType && Domain == other.Domain && Opset == other.Opset
        && Output == other.Output && OutputCount == other.OutputCount && ElementType == other.ElementType && BatchAxis == other.BatchAxis
        && Secondary == other.Secondary && Node.AsSpan().SequenceEqual(other.Node) && Shape.AsSpan().SequenceEqual(other.Shape)
        && Sources.SequenceEqual(other.Sources);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(OpType, Domain, Output, Shape.Length);
}
