using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// LSTM and GRU. With layout 1 the input is [N, T, I] and maps straight onto the per-sample IR; with layout 0
/// ([T, N, I], what PyTorch writes) the input must come through a Transpose that moved the batch (PyTorch's
/// batch_first models), and the outputs Y [T, D, N, H] and Y_h, Y_c [D, N, H] become moved-batch values that the
/// following Squeeze/Transpose/Reshape bring back. The weights W, R, B (and peepholes P) are split per gate and
/// direction into the op's parameters (see <see cref="Recurrence"/>).
/// </summary>
internal sealed partial class OnnxGraphConverter
{
    private void Recurrent(bool lstm)
    {
        string gates = lstm ? LstmOp.Gates : GruOp.Gates;
        int g = gates.Length;
        var direction = Str("direction", "forward") switch
        {
            "forward" => RecurrentDirection.Forward,
            "reverse" => RecurrentDirection.Reverse,
            "bidirectional" => RecurrentDirection.Bidirectional,
            var d => throw Malformed($"direction '{d}' is unknown"),
        };
        int dirs = Recurrence.Count(direction);
        CheckRecurrentAttributes(lstm, dirs);
        long layout = _opset >= 14 ? Int("layout", 0) : 0;
        if (layout is not (0 or 1)) throw Malformed($"layout {layout} is unknown");
        var x = RecurrentInput(layout);
        int steps = x.Shape[0], inputSize = x.Shape[1];
        var w = Const(1, "W");
        var r = Const(2, "R");
        if (w.Shape.Length != 3 || w.Shape[0] != dirs || w.Shape[1] % g != 0 || w.Shape[2] != inputSize)
            throw Malformed($"W has shape {Shapes.Format(w.Shape)}, expected [{dirs}, {g}·hidden, {inputSize}]");
        int hidden = w.Shape[1] / g;
        if (Attr("hidden_size") is not null && Int("hidden_size", 0) != hidden) throw Malformed($"hidden_size {Int("hidden_size", 0)} differs from W's {hidden}");
        if (!r.Shape.SequenceEqual([dirs, g * hidden, hidden])) throw Malformed($"R has shape {Shapes.Format(r.Shape)}, expected [{dirs}, {g * hidden}, {hidden}]");
        var b = In(3) is null ? null : Const(3, "B");
        if (b is not null && !b.Shape.SequenceEqual([dirs, 2 * g * hidden])) throw Malformed($"B has shape {Shapes.Format(b.Shape)}, expected [{dirs}, {2 * g * hidden}]");
        CheckFullLengthSequences(steps);
        var h0 = InitialState(5, layout, dirs, hidden, "hidden state initial_h");
        var c0 = lstm ? InitialState(6, layout, dirs, hidden, "cell state initial_c") : null;
        var p = lstm && In(7) is not null ? Const(7, "P") : null;
        if (p is not null && !p.Shape.SequenceEqual([dirs, 3 * hidden])) throw Malformed($"P has shape {Shapes.Format(p.Shape)}, expected [{dirs}, {3 * hidden}]");
        bool stored = h0 is not null || c0 is not null, cellOut = lstm && Used(2);
        Op op = lstm
            ? new LstmOp(inputSize, hidden, direction, Peepholes: p is not null, InitialState: stored, FinalCellState: cellOut)
            : new GruOp(inputSize, hidden, direction, LinearBeforeReset: Int("linear_before_reset", 0) != 0, InitialState: stored);
        var name = ParameterOwnerName(w, r, b);
        var y = Emit(op, name, x);
        var directions = Recurrence.Directions(direction);
        for (int d = 0; d < directions.Count; d++)
        {
            string suffix = directions[d].Suffix;
            for (int k = 0; k < g; k++)
            {
                Tensor<double> Block(ConstValue t, int offset, int columns)
                    => t.Tensor.Data.Slice(0, d, d + 1).Slice(1, offset + k * hidden, offset + (k + 1) * hidden).Contiguous().Reshape(columns < 0 ? [hidden] : [hidden, columns]);
                AddParameter(y, Recurrence.Role("weight_ih", gates[k], suffix), Block(w, 0, inputSize));
                AddParameter(y, Recurrence.Role("weight_hh", gates[k], suffix), Block(r, 0, hidden));
                AddParameter(y, Recurrence.Role("bias_ih", gates[k], suffix), b is null ? Tensor<double>.Zeros(hidden) : Block(b, 0, -1));
                AddParameter(y, Recurrence.Role("bias_hh", gates[k], suffix), b is null ? Tensor<double>.Zeros(hidden) : Block(b, g * hidden, -1));
            }
            if (p is not null)
                for (int k = 0; k < 3; k++)
                    AddParameter(y, Recurrence.Role("peephole", "iof"[k], suffix), p.Tensor.Data.Slice(0, d, d + 1).Slice(1, k * hidden, (k + 1) * hidden).Contiguous().Reshape(hidden));
            if (!stored) continue;
            AddParameter(y, $"initial_h{suffix}", h0?.Slice(0, d, d + 1).Contiguous().Reshape(hidden) ?? Tensor<double>.Zeros(hidden));
            if (lstm) AddParameter(y, $"initial_c{suffix}", c0?.Slice(0, d, d + 1).Contiguous().Reshape(hidden) ?? Tensor<double>.Zeros(hidden));
        }
        var all = cellOut ? Emit(new SliceOp([0], [0], [steps], [1]), name + ".y", y) : y;
        // Y_h: the last step of each direction (the first for the reverse one), read from Y.
        var flat = Reshape(all, [steps * dirs, hidden], name + ".steps");
        var last = Recurrence.Directions(direction).Select((t, d) => (t.Backwards ? 0 : steps - 1) * dirs + d).ToArray();
        var yh = Emit(new GatherOp(0, last, [dirs]), name + ".y_h", flat);
        // Layout 0: Y is [T, D, N, H] and the states [D, N, H].
        Set(0, layout == 0 ? Moved(all, 2) : all);
        Set(1, layout == 0 ? Moved(yh, 1) : yh);
        if (cellOut)
        {
            var yc = Emit(new GatherOp(0, [steps], []), name + ".y_c", y);
            Set(2, layout == 0 ? Moved(yc, 1) : yc);
        }
    }

    private void CheckRecurrentAttributes(bool lstm, int dirs)
    {
        var acts = Attr("activations")?.Strings.Select(s => s.ToStringUtf8().ToLowerInvariant()).ToArray();
        string[] defaults = lstm ? ["sigmoid", "tanh", "tanh"] : ["sigmoid", "tanh"];
        if (acts is { Length: > 0 } && !acts.SequenceEqual(Enumerable.Repeat(defaults, dirs).SelectMany(a => a)))
            throw Fail(OnnxImportError.UnsupportedVariant, $"activations [{string.Join(", ", acts)}] are not supported (only the defaults {string.Join(", ", defaults)})");
        if (Attr("clip") is not null) throw Fail(OnnxImportError.UnsupportedVariant, "cell clipping (clip) is not supported");
        if (lstm && Int("input_forget", 0) != 0) throw Fail(OnnxImportError.UnsupportedVariant, "input_forget = 1 (coupled input and forget gates) is not supported");
    }

    /// <summary>X as a per-sample [T, I] value: layout 1 directly, layout 0 through a batch-moving Transpose.</summary>
    private RuntimeValue RecurrentInput(long layout)
    {
        var v = Raw(0) ?? throw Malformed("input X is missing");
        RuntimeValue x = (layout, v) switch
        {
            (1, RuntimeValue r) => r,
            (1, MovedBatchValue m) => throw MovedBatchError(_node.Input[0], m),
            (0, MovedBatchValue { BatchAxis: 1, Inner: RuntimeValue r }) => r,
            (0, MovedBatchValue m) => throw BatchAxis($"X holds the batch on axis {m.BatchAxis} (moved by {m.Origin}), but layout 0 reads it from axis 1"),
            (0, RuntimeValue) => throw BatchAxis("with layout 0 X is [seq, batch, input], so the graph's axis 0 is the sequence, not the batch; "
                + "export with batch_first=True (PyTorch adds the transposes) or use layout 1"),
            _ => throw Fail(OnnxImportError.UnsupportedVariant, $"X ('{_node.Input[0]}') is a constant; it must be computed from the graph inputs"),
        };
        if (x.Shape.Length != 2) throw Malformed($"X has per-sample shape {Shapes.Format(x.Shape)}; expected [seq, input] (layout 1) or [seq, input] after moving the batch (layout 0)");
        return x;
    }

    /// <summary>sequence_lens may be absent, or a constant in which every sequence has the full length.</summary>
    private void CheckFullLengthSequences(int steps)
    {
        switch (Raw(4))
        {
            case null: return;
            case ConstValue c when !c.DependsOnBatch && c.Values.All(v => v == steps): return;
            case BatchConstValue bc when bc.PerSample.Data.ToArray().All(v => v == steps): return;
            case ConstValue or BatchConstValue: throw Fail(OnnxImportError.UnsupportedVariant, $"sequence_lens holds lengths other than the full {steps} steps; variable-length sequences are not supported");
            default: throw Fail(OnnxImportError.UnsupportedVariant, "sequence_lens is computed at run time; only constant full-length sequences are supported");
        }
    }

    /// <summary>
    /// A constant initial state as a per-sample [D, H] tensor (the same for every sample), or null when absent or zero.
    /// Layout 0 holds it as [D, N, H], layout 1 as [N, D, H].
    /// </summary>
    private Tensor<double>? InitialState(int input, long layout, int dirs, int hidden, string what)
    {
        Tensor<double> sample;
        switch (Raw(input))
        {
            case null: return null;
            case ConstValue c:
                if (c.DependsOnBatch || c.Shape.Length != 3) throw Malformed($"the initial {what} has shape {Shapes.Format(c.Shape)}, expected rank 3");
                int axis = layout == 0 ? 1 : 0;
                var data = c.Tensor.Data;
                sample = data.Slice(axis, 0, 1).Contiguous().Reshape(c.Shape.Where((_, i) => i != axis).ToArray());
                for (int n = 1; n < c.Shape[axis]; n++)
                    if (data.Slice(axis, n, n + 1).Contiguous().Reshape(sample.ShapeArray()).MaxAbsDiff(sample) != 0)
                        throw BatchAxis($"the initial {what} differs between samples");
                break;
            case BatchConstValue bc when layout == 1: sample = bc.PerSample.Data; break;
            case MovedBatchValue { BatchAxis: 1, Inner: BatchConstValue bc } when layout == 0: sample = bc.PerSample.Data; break;
            default: throw Fail(OnnxImportError.UnsupportedVariant, $"the initial {what} is computed at run time; only constant initial states are supported");
        }
        if (!sample.Shape.SequenceEqual([dirs, hidden])) throw Malformed($"the initial {what} has per-sample shape {Shapes.Format(sample.Shape)}, expected [{dirs}, {hidden}]");
        return sample.ToArray().All(v => v == 0) ? null : sample.Contiguous();
    }
}
