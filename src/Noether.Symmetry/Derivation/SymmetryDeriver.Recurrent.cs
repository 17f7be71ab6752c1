using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// LSTM and GRU: one signed permutation of the hidden units, shared by every gate, the input and recurrent
        /// weights (rows — only permuted for the sigmoid gates; the recurrent weights' columns too), biases, peepholes and stored initial state — and, for a
        /// bidirectional layer, by both directions, which the output lays side by side on one unit axis. Signs flip
        /// because every gate reads h only through its recurrent weights, and the candidate (tanh, odd) carries the
        /// sign into the cell and back out through tanh: c → −c, h → −h. The input enters linearly, so its space
        /// may be any linear map the input weights absorb.
        /// </summary>
        private bool VisitRecurrent(Node node)
        {
            var (gates, input, hidden, direction) = node.Op switch
            {
                LstmOp l => (LstmOp.Gates, l.InputSize, l.HiddenSize, l.Direction),
                GruOp g => (GruOp.Gates, g.InputSize, g.HiddenSize, g.Direction),
                _ => default,
            };
            if (gates is null) return false;
            string o = node.Name, x = node.Inputs[0];
            var xi = _info[x];
            var shape = graph.ShapeOf(o);
            Declare(o, new ChannelInfo(shape.Length - 1, hidden, 1));
            Constrain(o, Group.SignedPermutation, $"{o} ({node.Op.Kind}): hidden units permute and flip sign together across gates");
            char candidate = node.Op is LstmOp ? 'c' : 'h';
            foreach (var slot in node.Op.Parameters)
            {
                string p = $"{o}.{slot.Role}";
                // Sigmoid gates (i, o, f; z, r) are permuted, never flipped; the candidate, peepholes and states flip.
                var gate = GateOf(slot.Role);
                Bind(o, p, 0, gate is char g && g != candidate ? AxisRule.PermutationOnly : AxisRule.Covariant);
                if (slot.Role.StartsWith("weight_hh_", StringComparison.Ordinal)) Bind(o, p, 1, AxisRule.Contravariant);
            }
            bool inputOnLastAxis = xi.HasChannels && xi.Axis == graph.ShapeOf(x).Length - 1 && xi.Block == 1 && xi.Channels == input;
            if (!inputOnLastAxis)
            {
                Constrain(x, null, $"{o} ({node.Op.Kind}): its input features are not the value's channel axis");
                return true;
            }
            foreach (var slot in node.Op.Parameters.Where(s => s.Role.StartsWith("weight_ih", StringComparison.Ordinal)))
                Bind(x, $"{o}.{slot.Role}", 1, AxisRule.Contravariant);
            return true;
        }

        /// <summary>The gate of a per-gate role (<c>weight_ih_f</c>, <c>bias_hh_c_reverse</c>), null for other roles.</summary>
        private static char? GateOf(string role)
        {
            foreach (var kind in new[] { "weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_" })
                if (role.StartsWith(kind, StringComparison.Ordinal) && role.Length > kind.Length) return role[kind.Length];
            return null;
        }
    }
}
