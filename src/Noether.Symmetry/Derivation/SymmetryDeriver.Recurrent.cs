using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// LSTM and GRU: per direction, one signed permutation of its hidden units, shared by every gate, the input and
        /// recurrent weights (rows — only permuted for the sigmoid gates; the recurrent weights' columns too), biases,
        /// peepholes and stored initial state. Signs flip because every gate reads h only through its recurrent weights,
        /// and the candidate (tanh, odd) carries the sign into the cell and back out through tanh: c → −c, h → −h. The
        /// input enters linearly, so its space may be any linear map the input weights absorb. A bidirectional layer's
        /// output stacks its directions ([T, 2, H]); each direction keeps its own space until a reader takes them as one.
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
            var directions = Recurrence.Directions(direction);
            string[] spaces = directions.Count == 1 ? [o] : directions.Select(d => DirectionSpace(o, d.Backwards)).ToArray();
            if (directions.Count > 1) foreach (var space in spaces) Declare(space, new ChannelInfo(shape.Length - 1, hidden, 1));
            Declare(o, new ChannelInfo(shape.Length - 1, hidden, 1));
            if (directions.Count > 1) Stack(o, shape.Length - 2, spaces);
            for (int d = 0; d < spaces.Length; d++)
            {
                string which = directions.Count > 1 ? (directions[d].Backwards ? ", reverse direction" : ", forward direction") : "";
                Constrain(spaces[d], Group.SignedPermutation, $"{o} ({node.Op.Kind}{which}): hidden units permute and flip sign together across gates");
            }
            if (directions.Count > 1)
                Constrain(o, Group.SignedPermutation, $"{o} ({node.Op.Kind}): read as one, both directions' units permute and flip sign alike");
            char candidate = node.Op is LstmOp ? 'c' : 'h';
            foreach (var slot in node.Op.Parameters)
            {
                string p = $"{o}.{slot.Role}", space = spaces[directions.Count > 1 && slot.Role.EndsWith("_reverse", StringComparison.Ordinal) ? 1 : 0];
                // Sigmoid gates (i, o, f; z, r) are permuted, never flipped; the candidate, peepholes and states flip.
                var gate = GateOf(slot.Role);
                Bind(space, p, 0, gate is char g && g != candidate ? AxisRule.PermutationOnly : AxisRule.Covariant);
                if (slot.Role.StartsWith("weight_hh_", StringComparison.Ordinal)) Bind(space, p, 1, AxisRule.Contravariant);
            }
            int inputAxis = graph.ShapeOf(x).Length - 1;
            bool inputOnLastAxis = xi.HasChannels && xi.Axis == inputAxis && xi.Block == 1 && xi.Channels == input;
            if (!inputOnLastAxis)
            {
                Constrain(x, null, $"{o} ({node.Op.Kind}): its input features are not the value's channel axis");
                FixConcat(x, $"{o} ({node.Op.Kind}): its input features are not the value's channel axis");
                return true;
            }
            // A concatenation (the previous bidirectional layer's directions side by side) binds each part's columns.
            foreach (var slot in node.Op.Parameters.Where(s => s.Role.StartsWith("weight_ih", StringComparison.Ordinal)))
                BindInput(x, inputAxis, $"{o}.{slot.Role}", 1, AxisRule.Contravariant);
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
