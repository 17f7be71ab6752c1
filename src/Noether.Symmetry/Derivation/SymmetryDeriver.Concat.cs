using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>One input's stretch of a channel concatenation: its value, first entry and entry count on the axis.</summary>
        private readonly record struct ConcatPart(string Value, int Offset, int Length);

        /// <summary>
        /// Channel concatenations (a U-Net's skip joins) by value: the output is the direct sum of its inputs' spaces,
        /// laid side by side on the per-sample axis <c>Axis</c>.
        /// </summary>
        private readonly Dictionary<string, (int Axis, ConcatPart[] Parts)> _concats = new(StringComparer.Ordinal);

        /// <summary>
        /// A concatenation along the channel axis has no space of its own: its channels are its inputs' channels, side
        /// by side, and each input keeps its own group. Readers that bind the concatenated axis (Linear, ungrouped
        /// convolutions) bind each input's stretch to that input's space; any other reader fixes them.
        /// </summary>
        private bool VisitChannelConcat(Node node, ConcatOp cc)
        {
            string o = node.Name;
            int rank = graph.ShapeOf(node.Inputs[0]).Length, axis = cc.Axis < 0 ? cc.Axis + rank : cc.Axis;
            var parts = new List<ConcatPart>();
            int offset = 0;
            foreach (var v in node.Inputs)
            {
                if (_concats.TryGetValue(v, out var inner))
                {
                    if (inner.Axis != axis) return false;
                    parts.AddRange(inner.Parts.Select(p => p with { Offset = offset + p.Offset }));
                    offset += inner.Parts.Sum(p => p.Length);
                    continue;
                }
                var vi = _info[v];
                if (!vi.HasChannels || vi.Axis != axis) return false;
                parts.Add(new ConcatPart(v, offset, vi.Channels * vi.Block));
                offset += vi.Channels * vi.Block;
            }
            // The concatenation's own space is fixed: its symmetry lives in its parts. Readers that only pass it on
            // (an activation, a residual) link to a fixed space, so they stay fixed too.
            Declare(o, new ChannelInfo(axis, offset, 1));
            _concats[o] = (axis, parts.ToArray());
            Constrain(o, null, $"channel concatenation '{o}': its parts carry the symmetry");
            return true;
        }

        /// <summary>Binds the input side of a reader's weight axis: a concatenation binds each of its parts' stretches.</summary>
        /// <param name="valueAxis">The per-sample axis of <paramref name="value"/> the weight axis reads.</param>
        private void BindInput(string value, int valueAxis, string parameter, int axis, AxisRule rule)
        {
            if (!_concats.TryGetValue(value, out var c)) { Bind(value, parameter, axis, rule); return; }
            if (c.Axis != valueAxis) { FixConcat(value, $"{parameter} reads the channel concatenation '{value}' along another axis"); return; }
            foreach (var p in c.Parts) Bind(p.Value, parameter, axis, rule, offset: p.Offset, length: p.Length);
        }

        /// <summary>Fixes the parts of every concatenation <paramref name="node"/> reads in a way no rule splits.</summary>
        private void FixConcatsReadBy(Node node, bool bindsFirstInput)
        {
            for (int k = bindsFirstInput ? 1 : 0; k < node.Inputs.Count; k++)
                if (_concats.ContainsKey(node.Inputs[k])) FixConcat(node.Inputs[k], $"{node.Name} ({node.Op.Kind}) reads the channel concatenation '{node.Inputs[k]}' as a whole");
        }

        /// <summary>Restricts the parts of a concatenation or direction stack to the identity (no-op for other values).</summary>
        public void FixConcat(string value, string reason)
        {
            if (_stacked.TryGetValue(value, out var s)) foreach (var p in s.Parts) Constrain(p, null, reason);
            if (!_concats.TryGetValue(value, out var c)) return;
            foreach (var p in c.Parts) Constrain(p.Value, null, reason);
        }
    }
}
