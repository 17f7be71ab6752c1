using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// Rules for the general-purpose ops that importers emit (decomposed norms and activations, biases and scales as
        /// separate nodes). Returns false when the op is not one of them.
        /// </summary>
        private bool VisitPrimitive(Node node)
        {
            string o = node.Name, x = node.Inputs[0];
            var xi = _info[x];
            switch (node.Op)
            {
                case TransposeOp t:
                    // Axes move but channels are not mixed.
                    if (!xi.HasChannels)
                    {
                        // No space to carry: the result is a fixed function of its input, not a new free space.
                        Declare(o, State.DefaultInfo(graph.ShapeOf(o)));
                        Constrain(o, null, $"{o}: a transpose of a value without a channel space");
                        return true;
                    }
                    Declare(o, xi with { Axis = Array.IndexOf(t.Permutation, xi.Axis) });
                    if (xi.Block != 1) { Fallback(node, "transposing a flattened channel axis"); return true; }
                    Link(x, o, sameSegment: true, $"transpose '{o}'");
                    return true;
                case ReshapeOp r:
                    {
                        var inShape = graph.ShapeOf(x);
                        if (!xi.HasChannels || xi.Channels == 1)
                        {
                            // Nothing to carry through (a single channel's scale would multiply every output entry,
                            // which no space of the result can say): both sides stay as they are.
                            Declare(o, DefaultInfo(r.Shape));
                            Constrain(x, null, $"{o}: a reshape of a single-channel value");
                            Constrain(o, null, $"{o}: a reshape of a value without a channel space");
                            return true;
                        }
                        // Adding or dropping size-1 axes keeps the channel axis whole.
                        var kept = inShape.Where(d => d != 1).ToArray();
                        if (xi.Block == 1 && kept.SequenceEqual(r.Shape.Where(d => d != 1)) && inShape[xi.Axis] != 1)
                        {
                            int before = inShape.Take(xi.Axis).Count(d => d != 1);
                            int axis = Enumerable.Range(0, r.Shape.Length).Where(i => r.Shape[i] != 1).ElementAt(before);
                            Declare(o, xi with { Axis = axis });
                            Link(x, o, sameSegment: true, $"reshape '{o}'");
                            return true;
                        }
                        Declare(o, DefaultInfo(r.Shape));
                        Fallback(node, "a reshape that splits or merges the channel axis");
                        return true;
                    }
                case GatherOp ga when xi.HasChannels && xi.Block == 1 && ga.Axis != xi.Axis:
                    {
                        // Picking time steps or tokens: each channel is carried as it is (x[:, -1] after an RNN).
                        int axis = xi.Axis < ga.Axis ? xi.Axis : xi.Axis - 1 + ga.IndicesShape.Length;
                        Declare(o, xi with { Axis = axis });
                        Link(x, o, sameSegment: true, $"gather '{o}'");
                        return true;
                    }
                case SliceOp sl when xi.HasChannels && xi.Block == 1 && !sl.Axes.Select(a => a < 0 ? a + graph.ShapeOf(x).Length : a).Contains(xi.Axis):
                    // A slice of other axes (a window of steps, a crop) keeps every channel.
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"slice '{o}'");
                    return true;
                case ElementwiseUnaryOp u:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"'{o}'");
                    if (u.Function != UnaryFunction.Neg) Constrain(x, Group.Permutation, $"{o} ({u.Function}): an elementwise function commutes with permutations only");
                    return true;
                case ScalarBinaryOp sb:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"'{o}'");
                    bool linear = sb.Function is BinaryFunction.Mul || (sb.Function is BinaryFunction.Div && !sb.ScalarFirst);
                    if (!linear) Constrain(x, Group.Permutation, $"{o} ({sb.Describe()}): a fixed scalar offset or nonlinear map commutes with permutations only");
                    return true;
                case BroadcastParameterOp bp:
                    // A learned value repeated per sample (a class token): its features are a new space the parameter spans.
                    Declare(o, DefaultInfo(bp.Shape));
                    if (bp.Trainable) Bind(o, $"{o}.weight", _info[o].Axis, AxisRule.Covariant);
                    else Constrain(o, null, $"{o}: a fixed broadcast constant pins its features");
                    return true;
                case ParameterBinaryOp pb:
                    return VisitParameterBinary(node, pb);
                case ElementwiseBinaryOp eb:
                    {
                        string y = node.Inputs[1];
                        Declare(o, DefaultInfo(graph.ShapeOf(o)));
                        var oi = _info[o];
                        var full = node.Inputs.Where(v => _info[v].HasChannels && _info[v].Channels == oi.Channels && _info[v].Axis == oi.Axis && _info[v].Block == oi.Block).ToList();
                        if (full.Count == 0) { Fallback(node, "operands whose channels do not line up with the result"); return true; }
                        if (eb.Function == BinaryFunction.Mul && full.Count == 2 && full[0] != full[1])
                        {
                            // A gated unit value ⊙ gate (SwiGLU's up ⊙ silu(gate)): both share the permutation; the
                            // value may also be rescaled per unit — the product carries the scale on to whatever
                            // reads it — while the gate is only permuted.
                            // The value is what a Linear made (up_proj); else the operand no activation made.
                            bool Linear(string v) => graph.Producer(v)?.Op is LinearOp;
                            bool Activated(string v) => graph.Producer(v)?.Op is ActivationOp;
                            int g = Linear(full[1]) && !Linear(full[0]) ? 0
                                : Linear(full[0]) && !Linear(full[1]) ? 1
                                : Activated(full[0]) && !Activated(full[1]) ? 0 : 1;
                            string value = full[1 - g], gate = full[g];
                            Link(value, o, sameSegment: true, $"gated product '{o}'");
                            Link(gate, o, sameSegment: false, $"gated product '{o}'");
                            Constrain(gate, Group.Permutation, $"{o} ({eb.Describe()}): the gate of a product is permuted, not scaled");
                            return true;
                        }
                        foreach (var v in full) Link(v, o, sameSegment: true, $"'{o}'");
                        bool additive = eb.Function is BinaryFunction.Add or BinaryFunction.Sub;
                        bool scaling = eb.Function is BinaryFunction.Mul or BinaryFunction.Div && full.Count == 1 && (eb.Function == BinaryFunction.Mul || full[0] == x);
                        if (full.Count == 2 && additive) return true;                 // a residual sum: any linear map
                        if (full.Count == 1 && scaling) return true;                  // scaled by a per-sample quantity: linear
                        Constrain(o, Group.Permutation, $"{o} ({eb.Describe()}): channels combine elementwise, so permutations only");
                        return true;
                    }
                default:
                    return false;
            }
        }

        private bool VisitParameterBinary(Node node, ParameterBinaryOp pb)
        {
            string o = node.Name, x = node.Inputs[0];
            var xi = _info[x];
            Declare(o, xi);
            if (!xi.HasChannels) return true;
            int rank = graph.ShapeOf(x).Length;
            int axis = xi.Axis - (rank - pb.Shape.Length);       // right-aligned broadcasting
            bool perChannel = axis >= 0 && pb.Shape[axis] == xi.Channels * xi.Block;
            string param = $"{o}.{pb.Role}";
            if (pb.Function == BinaryFunction.Mul && perChannel && pb.Trainable)
            {
                // A per-channel gain absorbs an output diagonal, like a norm's γ: w ← P·w·D_out/D_in.
                Link(x, o, sameSegment: false, $"gain '{o}'");
                Constrain(x, Group.InvertibleMonomial, $"{o} ({pb.Describe()}): a per-channel gain aligns channels");
                Constrain(o, Group.InvertibleMonomial, $"{o} ({pb.Describe()}): a per-channel gain absorbs an output diagonal");
                Bind(o, param, axis, AxisRule.Relative, reference: x);
                return true;
            }
            Link(x, o, sameSegment: true, $"'{o}'");
            switch (pb.Function)
            {
                case BinaryFunction.Add or BinaryFunction.Sub when perChannel && pb.Trainable:
                    Bind(x, param, axis, AxisRule.Covariant);             // a bias: b ← A b
                    return true;
                case BinaryFunction.Mul or BinaryFunction.Div when !perChannel && pb.Shape.All(d => d == 1) && !pb.ParameterFirst:
                    return true;                                           // one scale for every channel: linear
                default:
                    Constrain(x, perChannel ? Group.Trivial : Group.Permutation,
                        $"{o} ({pb.Describe()}): {(perChannel ? "a fixed per-channel operand pins the channels" : "a shared offset commutes with permutations only")}");
                    return true;
            }
        }
    }
}
