using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// A value whose batch axis was merged with a per-sample axis (see <see cref="MovedBatchValue.Merge"/>) reached a
/// consumer that cannot carry it; the importer converts the file again without layout ops on moved values (the
/// consumers of moved values then stay opaque, as before).
/// </summary>
internal sealed class MergedBatchException(string origin) : Exception($"a value whose batch axis {origin} merged with another axis cannot be read here");

/// <summary>
/// Ops that act on trailing axes of a moved-batch value (<c>[S, B, D]</c>, <c>[B·H, S, dk]</c>, <c>[S·B, D]</c>, what
/// nn.MultiheadAttention's export computes on) run per sample: x·W, Gemm, elementwise ops with constants that only
/// reach the axes after the batch, products of two values with one layout, Softmax over a later axis, and unary
/// functions. The handler runs on the batch-major inner value and the result keeps the input's layout.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>False converts as before layout ops existed: moved values are never merged nor computed on.</summary>
    private readonly bool _layoutOps = true;

    private static readonly HashSet<string> Trailing =
    [
        "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Softmax", "Relu", "Tanh", "Sigmoid", "Erf", "Sqrt", "Exp",
        "Neg", "Gelu", "Cast",
    ];

    private static readonly HashSet<string> UnaryOnMoved = ["Relu", "Tanh", "Sigmoid", "Erf", "Sqrt", "Exp", "Neg", "Gelu", "Cast"];

    /// <summary>Each ONNX axis of a moved value as the per-sample axes it holds, −1 standing for the batch.</summary>
    private static int[][] AxisGroups(MovedBatchValue m)
    {
        var seq = Enumerable.Range(0, m.SampleShape.Length).ToList();
        seq.Insert(m.Position, -1);
        var groups = new List<int[]>();
        for (int i = 0; i < seq.Count; i++)
        {
            if (m.Merge > 0 && seq[i] == -1 || m.Merge < 0 && i + 1 < seq.Count && seq[i + 1] == -1) { groups.Add([seq[i], seq[i + 1]]); i++; }
            else groups.Add([seq[i]]);
        }
        return groups.ToArray();
    }

    /// <summary>The ONNX shape of a moved value, symbolic in the batch size.</summary>
    private static SymDim[] OnnxDims(MovedBatchValue m)
        => AxisGroups(m).Select(g => g.Contains(-1)
            ? new SymDim(g.Where(a => a >= 0).Aggregate(1L, (p, a) => p * m.SampleShape[a]), true)
            : SymDim.Of(m.SampleShape[g[0]])).ToArray();

    /// <summary>Runs a trailing-axis op on moved inputs per sample; false leaves the node to the ordinary path.</summary>
    private bool TrailingOnMoved(string op, Action handler)
    {
        if (!_layoutOps || !Trailing.Contains(op)) return false;
        var moved = Enumerable.Range(0, _node.Input.Count).Where(i => Raw(i) is MovedBatchValue).ToArray();
        if (moved.Length == 0) return false;
        var layout = (MovedBatchValue)Raw(moved[0])!;
        foreach (int i in moved)
            if (Raw(i) is MovedBatchValue other && (other.BatchAxis != layout.BatchAxis || other.Merge != layout.Merge || other.Rank != layout.Rank)) return false;
        int trailing = layout.Rank - 1 - layout.BatchAxis;
        for (int i = 0; i < _node.Input.Count; i++)
            if (_node.Input[i].Length > 0 && Raw(i) is not MovedBatchValue && !(Raw(i) is ConstValue c && !c.DependsOnBatch && c.Shape.Length <= trailing && !UnaryOnMoved.Contains(op)))
                if (!(op is "Gemm" or "MatMul" && i > 0 && Raw(i) is ConstValue)) return false;
        switch (op)
        {
            case "MatMul" when moved.Length == 2 && trailing < 2:
            case "MatMul" when moved.Length == 1 && (moved[0] != 0 || trailing < 1):
            case "Gemm" when moved.Length != 1 || moved[0] != 0 || trailing != 1 || layout.Rank != 2 || Int("transA", 0) != 0:
                return false;
            case "Softmax":
                int axis = Axis(Int("axis", _opset < 13 ? 1 : -1), layout.Rank);
                if (axis <= layout.BatchAxis) return false;
                break;
        }
        var saved = moved.Select(i => (Name: _node.Input[i], Value: _values[_node.Input[i]])).ToArray();
        var node = _node;
        int fused = _fused.Count;
        try
        {
            foreach (var (name, value) in saved) _values[name] = ((MovedBatchValue)value).Inner;
            if (op == "Softmax")
            {
                // Axes count from the end in both layouts.
                _node = node.Clone();
                int axis = Axis(Int("axis", _opset < 13 ? 1 : -1), layout.Rank);
                _node.Attribute.Remove(_node.Attribute.FirstOrDefault(a => a.Name == "axis"));
                _node.Attribute.Add(new Onnx.AttributeProto { Name = "axis", Type = Onnx.AttributeProto.Types.AttributeType.Int, I = axis - layout.Rank });
            }
            if (op == "Gemm") GemmOnSamples(); else handler();
        }
        finally
        {
            _node = node;
            foreach (var (name, value) in saved) _values[name] = value;
        }
        var outputs = _node.Output.AsEnumerable();
        if (_fused.Count > fused) outputs = outputs.Concat(_fused.Skip(fused).SelectMany(k => _graph.Node[k].Output));
        foreach (var o in outputs)
            if (o.Length > 0 && _values.GetValueOrDefault(o) is RuntimeValue r) _values[o] = layout with { Inner = r };
        return true;
    }

    /// <summary>Gemm on [S·B, K] (batch merged into the rows): a Linear on the per-sample rows.</summary>
    private void GemmOnSamples()
    {
        var x = Runtime(0);
        var b = Const(1, "B");
        if (b.Shape.Length != 2) throw Malformed($"Gemm needs B of rank 2, got {Shapes.Format(b.Shape)}");
        var w = Int("transB", 0) != 0 ? b.Tensor.Data : b.Tensor.Data.Transpose().Contiguous();
        w = w * Float("alpha", 1);
        var c = In(2) is null ? null : Const(2, "C");
        Tensor<double>? bias = null;
        if (c is not null && Float("beta", 1) != 0)
        {
            if (c.Shape.Length == 2 && c.Shape[0] != 1) throw BatchAxis($"bias C of shape {Shapes.Format(c.Shape)} differs between rows");
            bias = c.Tensor.Data.Reshape(c.Shape.Length == 2 ? [c.Shape[1]] : c.Shape).BroadcastTo(w.Dim(0)).Contiguous() * Float("beta", 1);
        }
        EmitLinear(x, w, bias, ParameterOwnerName(b, c));
    }
}

/// <summary>
/// Thrown where the import needs the whole model with its weights (ONNX Runtime probing the shapes of opaque nodes)
/// but was given one whose initializers are read from elsewhere (<see cref="OnnxImportOptions.StoredInitializers"/>):
/// the caller imports the file the ordinary way instead.
/// </summary>
internal sealed class StoredWeightsException() : Exception("ONNX Runtime must see the weights to probe this model's shapes");
