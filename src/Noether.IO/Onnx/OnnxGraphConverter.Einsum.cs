using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// Einsum: folded on constants; on computed values the patterns the IR has ops for — a transpose or sum over axes of
/// one value, a product with a weight matrix (a Linear layer), and a (batched) matrix product of two computed values —
/// each with transposes around.
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private void Einsum()
    {
        var text = Str("equation", "");
        var operands = Enumerable.Range(0, _node.Input.Count).Select(i => In(i) ?? throw Malformed($"operand {i} is missing")).ToArray();
        int[] FullShape(OnnxValue v) => v is RuntimeValue r ? [-1, .. r.Shape] : ((ConstValue)v).Shape;
        EinsumEquation eq;
        try { eq = EinsumEquation.Parse(text, operands.Select(o => FullShape(o).Length).ToArray()); }
        catch (FormatException e) { throw Malformed(e.Message); }
        if (operands.All(o => o is ConstValue))
        {
            var consts = operands.Cast<ConstValue>().ToArray();
            if (consts.Any(c => c.DependsOnBatch)) throw Fail(OnnxImportError.UnsupportedVariant, $"Einsum '{text}' on batch-dependent constants");
            Tensor<double> value;
            try { value = eq.Evaluate(consts.Select(c => c.Tensor.Data).ToArray()); }
            catch (FormatException e) { throw Malformed(e.Message); }
            Set(0, ConstValue.Of(value, consts[0].Tensor.Type));
            return;
        }
        var unsupported = Fail(OnnxImportError.UnsupportedVariant,
            $"Einsum equation '{text}' is not a transpose or sum of one value, a product with a weight matrix or a (batched) matrix product of two computed values; those are the forms the graph IR maps");
        var runtime = operands.OfType<RuntimeValue>().ToArray();
        int first = Array.FindIndex(operands, o => o is RuntimeValue);
        char sample = eq.Inputs[first][0];
        for (int i = 0; i < operands.Length; i++)
        {
            if (operands[i] is RuntimeValue && eq.Inputs[i][0] != sample) throw BatchAxis($"Einsum '{text}' pairs the batch axis of one operand with a feature axis of another");
            if (operands[i] is ConstValue && eq.Inputs[i].Contains(sample)) throw BatchAxis($"Einsum '{text}' gives a constant an axis along the batch");
        }
        if (eq.Output.Length == 0 || eq.Output[0] != sample) throw BatchAxis($"Einsum '{text}' does not keep the batch axis first in its output");
        if (eq.Inputs.Any(s => s.Distinct().Count() != s.Length)) throw unsupported; // diagonals
        RuntimeValue y = (operands.Length, runtime.Length) switch
        {
            (1, 1) => EinsumTranspose(runtime[0], eq.Inputs[0], eq.Output) ?? EinsumSum(runtime[0], eq.Inputs[0], eq.Output) ?? throw unsupported,
            (2, 1) => EinsumLinear(runtime[0], eq.Inputs[first], (ConstValue)operands[1 - first], eq.Inputs[1 - first], eq.Output) ?? throw unsupported,
            (2, 2) => EinsumMatMul(runtime[0], eq.Inputs[0], runtime[1], eq.Inputs[1], eq.Output) ?? throw unsupported,
            _ => throw unsupported,
        };
        Set(0, y);
    }

    /// <summary>Reorders the per-sample axes of <paramref name="x"/> (letters <paramref name="from"/>, batch first) to <paramref name="to"/>.</summary>
    private RuntimeValue? EinsumTranspose(RuntimeValue x, string from, string to)
    {
        if (from.Length != to.Length || to.Any(c => !from.Contains(c))) return null;
        var perm = to[1..].Select(c => from.IndexOf(c) - 1).ToArray();
        return perm.SequenceEqual(Enumerable.Range(0, perm.Length)) ? x : Emit(new TransposeOp(perm), BaseName() + ".transpose", x);
    }

    /// <summary>Sums over the letters of <paramref name="from"/> missing in <paramref name="to"/> (a mean times the count), then reorders.</summary>
    private RuntimeValue? EinsumSum(RuntimeValue x, string from, string to)
    {
        if (to.Any(c => !from.Contains(c))) return null;
        var dropped = Enumerable.Range(1, from.Length - 1).Where(a => !to.Contains(from[a])).OrderDescending().ToArray();
        int count = dropped.Aggregate(1, (p, a) => p * x.Shape[a - 1]);
        var y = x;
        foreach (var a in dropped) y = Emit(new ReduceMeanOp(a - 1), BaseName() + ".mean", y);
        y = Emit(new ScalarBinaryOp(BinaryFunction.Mul, count), BaseName() + ".sum", y);
        return EinsumTranspose(y, new string(from.Where(to.Contains).ToArray()), to);
    }

    /// <summary>x · W with W a constant matrix of one contracted and one new letter: a Linear layer over the contracted axis.</summary>
    private RuntimeValue? EinsumLinear(RuntimeValue x, string lx, ConstValue w, string lw, string output)
    {
        if (lw.Length != 2 || w.Shape.Length != 2) return null;
        var contracted = lw.Where(c => lx.Contains(c) && !output.Contains(c)).ToArray();
        if (contracted.Length != 1) return null;
        char k = contracted[0], n = lw[0] == k ? lw[1] : lw[0];
        if (lx.Contains(n) || !output.Contains(n) || lx.Any(c => c != k && !output.Contains(c)) || output.Length != lx.Length) return null;
        // Move k last, multiply, then put n where the output wants it.
        string moved = new string(lx.Where(c => c != k).ToArray()) + k;
        var input = EinsumTranspose(x, lx, moved)!;
        var weight = lw[0] == n ? w.Tensor.Data : w.Tensor.Data.Transpose().Contiguous(); // [out, in]
        var y = Emit(new LinearOp(weight.Dim(1), weight.Dim(0), false), ParameterOwnerName(w), input);
        AddParameter(y, "weight", weight.Contiguous());
        return EinsumTranspose(y, moved[..^1] + n, output);
    }

    /// <summary>
    /// a · b of two computed values: shared letters kept in the output are batch axes, one shared letter is contracted,
    /// and each side keeps at most one letter of its own (rows of a, columns of b).
    /// </summary>
    private RuntimeValue? EinsumMatMul(RuntimeValue a, string la, RuntimeValue b, string lb, string output)
    {
        var batch = output.Where(c => la.Contains(c) && lb.Contains(c)).ToArray();
        var contracted = la.Where(c => lb.Contains(c) && !output.Contains(c)).ToArray();
        var rows = la.Where(c => !lb.Contains(c)).ToArray();
        var cols = lb.Where(c => !la.Contains(c)).ToArray();
        if (contracted.Length != 1 || rows.Length > 1 || cols.Length > 1 || rows.Concat(cols).Any(c => !output.Contains(c))) return null;
        if (output.Length != batch.Length + rows.Length + cols.Length) return null;
        char k = contracted[0];
        string lead = new(batch);
        var left = EinsumTranspose(a, la, lead + new string(rows) + k)!;
        var right = EinsumTranspose(b, lb, lead + k + new string(cols))!;
        // A missing row or column letter becomes a unit axis for the product and is dropped after it.
        if (rows.Length == 0) left = Reshape(left, [.. left.Shape[..^1], 1, left.Shape[^1]], BaseName() + ".rows");
        if (cols.Length == 0) right = Reshape(right, [.. right.Shape, 1], BaseName() + ".cols");
        var product = Emit(new MatMulOp(), BaseName(), left, right);
        string got = lead + new string(rows) + new string(cols);
        int[] kept = [.. product.Shape[..^2], .. rows.Length == 0 ? [] : new[] { product.Shape[^2] }, .. cols.Length == 0 ? [] : new[] { product.Shape[^1] }];
        if (!kept.SequenceEqual(product.Shape)) product = Reshape(product, kept, BaseName() + ".squeeze");
        return EinsumTranspose(product, got, output);
    }
}
