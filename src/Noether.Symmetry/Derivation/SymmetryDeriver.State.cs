using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;
using Noether.Tensors;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State(Graph graph, DerivationOptions options)
    {
        private readonly Dictionary<string, ChannelInfo> _info = new(graph.Nodes.Count + graph.Inputs.Count, StringComparer.Ordinal);
        private readonly List<string> _order = new(graph.Nodes.Count + graph.Inputs.Count);
        private readonly UnionFind _segments = new(graph.Nodes.Count + graph.Inputs.Count), _components = new(graph.Nodes.Count + graph.Inputs.Count);
        private readonly List<Constraint> _constraints = new();
        private readonly List<Dependency> _dependencies = new();
        private readonly List<Binding> _bindings = new();
        private readonly List<SymmetryFactor> _extraFactors = new();
        private readonly List<string> _notes = new();
        private readonly List<(string Value, AffineShift Shift)> _shifts = new();

        private readonly Dictionary<Intertwiner, string> _reasons = new();

        /// <summary>"G_σ = … — why" for an intertwiner, built once per distinct one (deep graphs repeat a few).</summary>
        private string ReasonOf(Intertwiner it)
        {
            if (!_reasons.TryGetValue(it, out var reason)) _reasons[it] = reason = $"G_σ = {it.Group.Name} — {it.Reason}";
            return reason;
        }

        public static ChannelInfo DefaultInfo(int[] shape) => shape.Length switch
        {
            0 => new(-1, 0, 1),
            3 => new(0, shape[0], 1),
            _ => new(shape.Length - 1, shape[^1], 1),
        };

        public void Declare(string value, ChannelInfo info)
        {
            _info[value] = info;
            _order.Add(value);
            _segments.Add(value); _components.Add(value);
        }

        /// <summary>Restricts a value's space to a group; null means the identity only.</summary>
        public void Constrain(string value, Func<int, Group>? tolerated, string reason)
        {
            if (_info.TryGetValue(value, out var i) && i.HasChannels) _constraints.Add(new(value, tolerated, reason));
        }

        private void Link(string a, string b, bool sameSegment, string why)
        {
            if (!_info[a].HasChannels || !_info[b].HasChannels) return;
            if (_info[a].Channels != _info[b].Channels)
            {
                // The rule's idea of which axis holds channels does not fit this graph: prove nothing here.
                var message = $"{why} links '{a}' ({_info[a].Channels} channels) with '{b}' ({_info[b].Channels} channels); "
                    + "both spaces are restricted to the identity";
                if (options.Strict) throw new UnsupportedGraphException($"Symmetry derivation: {message}");
                _notes.Add(message);
                Constrain(a, null, message);
                Constrain(b, null, message);
                return;
            }
            _components.Union(a, b);
            if (sameSegment) _segments.Union(a, b);
        }

        private void Bind(string value, string parameter, int axis, AxisRule rule, string? reference = null, int offset = 0, int length = -1, int? block = null)
        {
            var info = _info[value];
            if (!info.HasChannels) return;
            int b = block ?? info.Block;
            _bindings.Add(new Binding(value, parameter, axis, offset, length < 0 ? info.Channels * b : length, b, rule, reference));
        }

        private void Fallback(Node node, string why)
        {
            // A parameter-free op on graph inputs only: its output is as fixed as its inputs, so nothing is lost.
            if (node.Op.Parameters.Count == 0 && node.Inputs.All(i => graph.Inputs.Any(g => g.Name == i)))
            {
                Constrain(node.Name, null, $"{node.Name} ({node.Op.Kind}) is a function of the fixed graph input");
                return;
            }
            var message = $"node '{node.Name}' ({node.Op.Kind}): {why}; the spaces it touches are restricted to the identity";
            if (options.Strict) throw new UnsupportedGraphException($"Symmetry derivation: {message}");
            _notes.Add(message);
            foreach (var v in node.Inputs.Append(node.Name))
            {
                Constrain(v, null, $"{node.Name} ({node.Op.Kind}) is not understood");
                FixConcat(v, $"{node.Name} ({node.Op.Kind}) is not understood");
            }
        }
    }
}
