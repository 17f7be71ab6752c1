using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// Values that stack the directions of a bidirectional recurrent layer ([.., D, .., H]): the axis that holds
        /// the directions and, per direction, the space of its hidden units (the value's channel axis holds the units).
        /// </summary>
        private readonly Dictionary<string, (int DirectionAxis, string[] Parts)> _stacked = new(StringComparer.Ordinal);

        /// <summary>The space of one direction's hidden units (e.g. <c>rnn.GRU[reverse]</c>); it is no graph value.</summary>
        private static string DirectionSpace(string node, bool backwards) => $"{node}[{(backwards ? "reverse" : "forward")}]";

        /// <summary>Registers <paramref name="value"/> as a stack of the directions' spaces along <paramref name="directionAxis"/>.</summary>
        private void Stack(string value, int directionAxis, string[] parts) => _stacked[value] = (directionAxis, parts);

        /// <summary>
        /// A reshape that merges the direction axis with the unit axis right after it ([T, D, H] → [T, D·H], what
        /// PyTorch's export of a bidirectional layer does) lays the directions side by side: a channel concatenation
        /// whose part d is direction d's space at offset d·H.
        /// </summary>
        private bool VisitDirectionMerge(Node node)
        {
            if (node.Op is not ReshapeOp r || !_stacked.TryGetValue(node.Inputs[0], out var s)) return false;
            string x = node.Inputs[0];
            var xi = _info[x];
            var inShape = graph.ShapeOf(x);
            if (xi.Block != 1 || xi.Axis != s.DirectionAxis + 1) return false;
            int units = xi.Channels * s.Parts.Length;
            int[] merged = [.. inShape[..s.DirectionAxis], units, .. inShape[(xi.Axis + 1)..]];
            if (ChannelAxisKept(merged, s.DirectionAxis, r.Shape) is not int axis) return false;
            string o = node.Name;
            Declare(o, new ChannelInfo(axis, units, 1));
            _concats[o] = (axis, s.Parts.Select((p, d) => new ConcatPart(p, d * xi.Channels, xi.Channels)).ToArray());
            Constrain(o, null, $"'{o}' lays the directions of '{x}' side by side: its parts carry the symmetry");
            return true;
        }

        /// <summary>
        /// Whether <paramref name="node"/> may pass a concatenation or a direction stack in its first input on to its
        /// output: ops that move, pick or regroup axes other than the channel axis, or pass values through.
        /// </summary>
        private static bool MayCarry(Node node) => node.Op is TransposeOp or ReshapeOp or GatherOp or SliceOp or DropoutOp;

        /// <summary>Whether the rule of a carrying op linked its output to its input as the same channels, laid out the same.</summary>
        private bool Carried(string x, string o) => _info.TryGetValue(o, out var oi) && oi.HasChannels && oi.Block == 1
            && oi.Channels == _info[x].Channels && _components.Find(x) == _components.Find(o);

        /// <summary>After a carrying op's rule: its output is the same concatenation, on the axis the rule found, or its parts are fixed.</summary>
        private void CarryConcat(Node node)
        {
            string x = node.Inputs[0], o = node.Name;
            var parts = _concats[x].Parts;
            if (Carried(x, o)) _concats[o] = (_info[o].Axis, parts);
            else FixConcat(x, $"{o} ({node.Op.Kind}) reads the channel concatenation '{x}' as a whole");
        }

        /// <summary>
        /// After a carrying op's rule: its output stacks the same directions (the direction axis moved as the op moves
        /// axes), is one direction (a gather of one index along the direction axis), or reads the directions as one.
        /// </summary>
        private void CarryStack(Node node)
        {
            string x = node.Inputs[0], o = node.Name;
            var (dir, parts) = _stacked[x];
            if (!Carried(x, o)) { LinkDirections(x); return; }
            switch (node.Op)
            {
                case TransposeOp t:
                    Stack(o, Array.IndexOf(t.Permutation, dir), parts);
                    return;
                case GatherOp g when g.Axis == dir && g.IndicesShape.Length == 0:
                    // One direction: the output's units are that direction's units.
                    int d = g.Indices[0] < 0 ? g.Indices[0] + parts.Length : g.Indices[0];
                    Link(parts[d], o, sameSegment: true, $"gather '{o}' of one direction");
                    return;
                case GatherOp g when g.Axis != dir:
                    Stack(o, dir < g.Axis ? dir : dir - 1 + g.IndicesShape.Length, parts);
                    return;
                case SliceOp sl when !sl.Axes.Select(a => a < 0 ? a + graph.ShapeOf(x).Length : a).Contains(dir):
                case DropoutOp:
                    Stack(o, dir, parts);
                    return;
                default:
                    LinkDirections(x);
                    return;
            }
        }

        /// <summary>
        /// A reader that takes a direction stack as one value with units on its channel axis (a Linear applied to each
        /// direction alike, a mean over directions) needs the same element on every direction: their spaces join.
        /// </summary>
        private void LinkDirections(string value)
        {
            if (!_stacked.TryGetValue(value, out var s)) return;
            foreach (var p in s.Parts) Link(p, value, sameSegment: true, $"'{value}' read with its directions as one");
        }
    }
}
