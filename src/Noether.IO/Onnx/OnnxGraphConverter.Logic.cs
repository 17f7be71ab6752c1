using Noether.Tensors;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// Comparisons and boolean logic on constants (the conditions of If nodes: <c>x.size(1) &gt; 4</c>, <c>not …</c>).
/// Graph values cannot hold booleans, so computed operands are refused. The batch size N is only known to be ≥ 1.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private void Compare(string op)
    {
        if (In(0) is not ConstValue a || In(1) is not ConstValue b)
            throw Fail(OnnxImportError.UnsupportedVariant, $"{op} on computed values yields booleans, which graph values cannot hold; only constant (shape) comparisons are folded");
        var shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var xs = Rearrange(new ConstValue(a.Tensor, null, a.Symbols), t => t.BroadcastTo(shape).Contiguous()).Dims;
        var ys = Rearrange(new ConstValue(b.Tensor, null, b.Symbols), t => t.BroadcastTo(shape).Contiguous()).Dims;
        bool Holds(long p, long q) => op switch { "Greater" => p > q, "Less" => p < q, "GreaterOrEqual" => p >= q, _ => p <= q };
        var result = xs.Select((p, i) =>
        {
            var q = ys[i];
            // k·N against m·N compares k with m (N > 0); both literal: compare them.
            if (p.HasBatch == q.HasBatch) return Holds(p.Coefficient, q.Coefficient) ? 1.0 : 0.0;
            // k·N against a literal c, with N ≥ 1 and k > 0: when c < k, k·N is the larger side for every N.
            var (batch, literal) = p.HasBatch ? (p, q) : (q, p);
            if (batch.Coefficient > 0 && literal.Coefficient < batch.Coefficient)
                return Holds(p.HasBatch ? 1 : 0, p.HasBatch ? 0 : 1) ? 1.0 : 0.0;
            throw Fail(OnnxImportError.UnsupportedVariant, $"cannot decide {p} {op} {q} for every batch size");
        }).ToArray();
        Set(0, ConstValue.Of(new Tensor<double>(result, shape), DataType.Bool));
    }

    private void Logic(string op)
    {
        var operands = Enumerable.Range(0, op == "Not" ? 1 : 2).Select(i => In(i) switch
        {
            ConstValue c when !c.DependsOnBatch => c,
            null => throw Malformed($"input {i} is missing"),
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"{op} on computed values yields booleans, which graph values cannot hold; only constants are folded"),
        }).ToArray();
        var shape = operands.Length == 1 ? operands[0].Shape : Shapes.Broadcast(operands[0].Shape, operands[1].Shape, op);
        var x = operands[0].Tensor.Data.BroadcastTo(shape).ToArray();
        var y = operands.Length == 1 ? x : operands[1].Tensor.Data.BroadcastTo(shape).ToArray();
        var result = x.Select((p, i) =>
        {
            bool a = p != 0, b = y[i] != 0;
            return (op switch { "Not" => !a, "And" => a && b, "Or" => a || b, _ => a ^ b }) ? 1.0 : 0.0;
        }).ToArray();
        Set(0, ConstValue.Of(new Tensor<double>(result, shape), DataType.Bool));
    }
}
