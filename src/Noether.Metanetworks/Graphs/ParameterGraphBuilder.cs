using System.Numerics;
using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Tensors;

namespace Noether.Metanetworks.Graphs;

/// <summary>
/// Builds the <see cref="ParameterGraph"/> of any graph-IR model by walking its nodes in order. Linear, Conv2d (any
/// kernel, stride, padding, groups), BatchNorm, LayerNorm, RmsNorm, Attention (Q, K, V share middle nodes; grouped
/// K/V heads get their own), LearnedBias, residual Add and every parameterless op that keeps the channel axis
/// (activations, pooling, dropout, Flatten, ReduceMean over tokens) are understood; anything else with parameters is
/// refused naming the node. A Conv1d is a Conv2d with kernel height 1.
/// </summary>
public static class ParameterGraphBuilder
{
    /// <summary>The parameter graph of <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">A node the walk does not understand (named in the message).</exception>
    public static ParameterGraph Build<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return new Walk<T>(model).Run();
    }

    private sealed class Walk<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Graph _graph = model.Graph;
        private readonly List<NodeKind> _kinds = new();
        private readonly List<int> _layers = new(), _positions = new();
        private readonly List<int> _src = new(), _dst = new(), _edgeLayer = new(), _kh = new(), _kw = new(), _param = new(), _element = new();
        private readonly List<EdgeKind> _edgeKinds = new();
        private readonly List<double> _values = new();
        private readonly Dictionary<string, NeuronSet> _sets = new();
        private readonly string[] _paramNames = model.Graph.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToArray();
        private readonly Dictionary<string, int> _paramIndex = model.Graph.Parameters.Where(p => p.Trainable).Select((p, i) => (p.Name, i)).ToDictionary(t => t.Name, t => t.i);
        private readonly Dictionary<string, double[]> _paramValues = new();
        private int _layer;

        public ParameterGraph Run()
        {
            foreach (var input in _graph.Inputs)
            {
                if (input.ElementType is not null || input.BatchAxis != 0) throw Unsupported(input.Name, "input", "a non-floating or batch-less graph input");
                int axis = input.Shape.Length == 3 ? 0 : input.Shape.Length - 1;
                int channels = input.Shape.Length == 0 ? 1 : input.Shape[axis];
                _sets[input.Name] = new NeuronSet(NewNodes(NodeKind.Input, channels, 0), axis);
            }
            foreach (var node in _graph.Nodes) Visit(node);
            foreach (var output in _graph.Outputs)
                foreach (var n in _sets[output].Nodes)
                    if (_kinds[n] == NodeKind.Hidden) _kinds[n] = NodeKind.Output;
            CheckCoverage();
            var buffers = _graph.Parameters.Where(p => !p.Trainable).ToDictionary(p => p.Name, p => model[p.Name].Cast<double>());
            var trainable = _graph.Parameters.Where(p => p.Trainable).ToArray();
            return new ParameterGraph(_graph.Name, [.. _kinds], [.. _layers], [.. _positions], [.. _src], [.. _dst], [.. _edgeKinds], [.. _edgeLayer],
                [.. _values], [.. _kh], [.. _kw], [.. _param], [.. _element], trainable.Select(p => p.Name).ToArray(), trainable.Select(p => p.Shape).ToArray(), buffers);
        }

        private void Visit(Node node)
        {
            var op = node.Op;
            var shape = _graph.ShapeOf(node.Name);
            NeuronSet In(int i = 0) => _sets[node.Inputs[i]];
            switch (op)
            {
                case LinearOp lin: _sets[node.Name] = Linear(node, lin, In()); return;
                case Conv2dOp conv: _sets[node.Name] = Conv(node, conv, In()); return;
                case BatchNormOp:
                    _sets[node.Name] = Norm(node, In(), gain: true, shift: true, axisMustBe: 0); return;
                case LayerNormOp ln:
                    _sets[node.Name] = ln.Affine ? Norm(node, In(), true, true, _graph.ShapeOf(node.Inputs[0]).Length - 1) : In(); return;
                case RmsNormOp rms:
                    _sets[node.Name] = rms.Affine ? Norm(node, In(), true, false, _graph.ShapeOf(node.Inputs[0]).Length - 1) : In(); return;
                case AttentionOp attn: _sets[node.Name] = Attention(node, attn, In()); return;
                case LearnedBiasOp lb: _sets[node.Name] = LearnedBias(node, lb, In()); return;
                case AddOp: _sets[node.Name] = Residual(node, In(0), In(1)); return;
                case FlattenOp: _sets[node.Name] = Flatten(node, In()); return;
            }
            if (op.Parameters.Any(p => p.Trainable)) throw Unsupported(node.Name, op.Kind, "an op with parameters the parameter graph does not know");
            if (op.InputCount != 1) throw Unsupported(node.Name, op.Kind, "a parameterless op with several inputs (only residual Add is understood)");
            _sets[node.Name] = PassThrough(node, In(), _graph.ShapeOf(node.Inputs[0]), shape);
        }

        private NeuronSet PassThrough(Node node, NeuronSet input, int[] inShape, int[] outShape)
        {
            if (inShape.SequenceEqual(outShape)) return input;
            if (node.Op is GlobalAvgPoolOp && input.Axis == 0) return input;
            if (node.Op is ReduceMeanOp rm && rm.Axis != input.Axis)
                return input with { Axis = rm.Axis < input.Axis ? input.Axis - 1 : input.Axis };
            if (inShape.Length == outShape.Length && input.Inner == 1 && input.Outer == 1 && outShape[input.Axis] == inShape[input.Axis]) return input;
            throw Unsupported(node.Name, node.Op.Kind, $"a parameterless op that changes the channel axis ({Shapes.Format(inShape)} → {Shapes.Format(outShape)})");
        }

        private NeuronSet Flatten(Node node, NeuronSet input)
        {
            var s = _graph.ShapeOf(node.Inputs[0]);
            if (s.Length <= 1) return input;
            if (input.Inner != 1 || input.Outer != 1) throw Unsupported(node.Name, "Flatten", "a second flatten");
            int inner = 1, outer = 1;
            for (int a = input.Axis + 1; a < s.Length; a++) inner *= s[a];
            for (int a = 0; a < input.Axis; a++) outer *= s[a];
            int width = input.Axis + 1 < s.Length ? s[^1] : 1;
            return new NeuronSet(input.Nodes, 0, inner, outer, width);
        }

        private NeuronSet Linear(Node node, LinearOp lin, NeuronSet input)
        {
            var s = _graph.ShapeOf(node.Inputs[0]);
            if (input.Axis != s.Length - 1) throw Unsupported(node.Name, "Linear", $"features on axis {s.Length - 1} but channels on axis {input.Axis} of {Shapes.Format(s)}");
            if (lin.Frozen is not null) throw Unsupported(node.Name, "Linear", "a W-asymmetric layer (frozen entries are no parameters)");
            int layer = ++_layer;
            var outNodes = NewNodes(NodeKind.Hidden, lin.Out, layer);
            var w = Values(node.Name + ".weight");
            int p = _paramIndex[node.Name + ".weight"];
            for (int o = 0; o < lin.Out; o++)
                for (int i = 0; i < lin.In; i++)
                {
                    var (src, row, col) = input.Feature(i);
                    Edge(src, outNodes[o], EdgeKind.Linear, layer, w[o * lin.In + i], row, col, p, o * lin.In + i);
                }
            if (lin.Bias) BiasEdges(node.Name + ".bias", outNodes, layer, EdgeKind.Bias);
            return new NeuronSet(outNodes, s.Length - 1);
        }

        private NeuronSet Conv(Node node, Conv2dOp conv, NeuronSet input)
        {
            if (input.Axis != 0 || input.Inner != 1 || input.Outer != 1) throw Unsupported(node.Name, "Conv2d", "channels not on axis 0");
            if (conv.Frozen is not null) throw Unsupported(node.Name, "Conv2d", "a W-asymmetric layer (frozen entries are no parameters)");
            int layer = ++_layer;
            var outNodes = NewNodes(NodeKind.Hidden, conv.Out, layer);
            var w = Values(node.Name + ".weight");
            int p = _paramIndex[node.Name + ".weight"];
            int groups = Math.Max(1, conv.Options.Groups), cg = conv.In / groups, og = conv.Out / groups;
            for (int o = 0; o < conv.Out; o++)
                for (int ci = 0; ci < cg; ci++)
                    for (int kh = 0; kh < conv.KernelH; kh++)
                        for (int kw = 0; kw < conv.KernelW; kw++)
                        {
                            int e = ((o * cg + ci) * conv.KernelH + kh) * conv.KernelW + kw;
                            Edge(input.Nodes[o / og * cg + ci], outNodes[o], EdgeKind.Conv, layer, w[e], kh, kw, p, e);
                        }
            if (conv.Bias) BiasEdges(node.Name + ".bias", outNodes, layer, EdgeKind.Bias);
            return new NeuronSet(outNodes, 0);
        }

        private NeuronSet Norm(Node node, NeuronSet input, bool gain, bool shift, int axisMustBe)
        {
            if (input.Axis != axisMustBe || input.Inner != 1 || input.Outer != 1)
                throw Unsupported(node.Name, node.Op.Kind, $"normalised axis {axisMustBe} is not the channel axis {input.Axis}");
            int layer = ++_layer;
            if (gain) FromNode(NewNodes(NodeKind.NormGain, 1, layer)[0], node.Name + ".weight", input.Nodes, layer, EdgeKind.NormGain);
            if (shift) FromNode(NewNodes(NodeKind.NormShift, 1, layer)[0], node.Name + ".bias", input.Nodes, layer, EdgeKind.NormShift);
            return input;
        }

        private NeuronSet Attention(Node node, AttentionOp attn, NeuronSet input)
        {
            var s = _graph.ShapeOf(node.Inputs[0]);
            if (input.Axis != s.Length - 1) throw Unsupported(node.Name, "Attention", "model width is not the channel axis");
            int layer = ++_layer, width = attn.Heads * attn.HeadDim, kvWidth = attn.KvHeads * attn.HeadDim;
            var middle = NewNodes(NodeKind.AttentionMiddle, width, layer);
            var kvMiddle = attn.KvHeads == attn.Heads ? middle : NewNodes(NodeKind.AttentionMiddle, kvWidth, layer);
            int bias = attn.Bias ? NewNodes(NodeKind.Bias, 1, layer)[0] : -1;
            void Project(string proj, int[] targets, EdgeKind kind)
            {
                var w = Values($"{node.Name}.{proj}.weight");
                int p = _paramIndex[$"{node.Name}.{proj}.weight"];
                for (int m = 0; m < targets.Length; m++)
                    for (int i = 0; i < attn.Model; i++)
                        Edge(input.Nodes[i], targets[m], kind, layer, w[m * attn.Model + i], 0, 0, p, m * attn.Model + i);
                if (attn.Bias) FromNode(bias, $"{node.Name}.{proj}.bias", targets, layer, kind);
            }
            Project("q_proj", middle, EdgeKind.Query);
            Project("k_proj", kvMiddle, EdgeKind.Key);
            Project("v_proj", kvMiddle, EdgeKind.Value);
            int outLayer = ++_layer;
            var outNodes = NewNodes(NodeKind.Hidden, attn.Model, outLayer);
            var wo = Values($"{node.Name}.o_proj.weight");
            int po = _paramIndex[$"{node.Name}.o_proj.weight"];
            for (int o = 0; o < attn.Model; o++)
                for (int m = 0; m < width; m++)
                    Edge(middle[m], outNodes[o], EdgeKind.Linear, outLayer, wo[o * width + m], 0, 0, po, o * width + m);
            if (attn.Bias) BiasEdges($"{node.Name}.o_proj.bias", outNodes, outLayer, EdgeKind.Bias);
            return new NeuronSet(outNodes, input.Axis);
        }

        private NeuronSet LearnedBias(Node node, LearnedBiasOp lb, NeuronSet input)
        {
            var s = lb.Shape;
            if (s.Length == 0 || input.Axis != s.Length - 1 || input.Inner != 1 || input.Outer != 1)
                throw Unsupported(node.Name, "LearnedBias", "channels not on the last axis");
            int layer = ++_layer, bias = NewNodes(NodeKind.Bias, 1, layer)[0], d = s[^1];
            var v = Values(node.Name + ".weight");
            int p = _paramIndex[node.Name + ".weight"];
            for (int e = 0; e < v.Length; e++) Edge(bias, input.Nodes[e % d], EdgeKind.PositionBias, layer, v[e], e / d, 0, p, e);
            return input;
        }

        private NeuronSet Residual(Node node, NeuronSet a, NeuronSet b)
        {
            if (a.Nodes.SequenceEqual(b.Nodes)) return a;
            if (a.Channels != b.Channels || a.Axis != b.Axis) throw Unsupported(node.Name, "Add", $"branches with {a.Channels} and {b.Channels} channels");
            var (target, source) = a.Newest >= b.Newest ? (a, b) : (b, a);
            for (int c = 0; c < a.Channels; c++) Edge(source.Nodes[c], target.Nodes[c], EdgeKind.Residual, _layer, 1.0, 0, 0, -1, -1);
            return target;
        }

        private void BiasEdges(string parameter, int[] targets, int layer, EdgeKind kind)
            => FromNode(NewNodes(NodeKind.Bias, 1, layer)[0], parameter, targets, layer, kind);

        private void FromNode(int source, string parameter, int[] targets, int layer, EdgeKind kind)
        {
            var v = Values(parameter);
            int p = _paramIndex[parameter];
            for (int c = 0; c < targets.Length; c++) Edge(source, targets[c], kind, layer, v[c], 0, 0, p, c);
        }

        private int[] NewNodes(NodeKind kind, int count, int layer)
        {
            var ids = new int[count];
            for (int i = 0; i < count; i++)
            {
                ids[i] = _kinds.Count;
                _kinds.Add(kind); _layers.Add(layer); _positions.Add(kind is NodeKind.Bias or NodeKind.NormGain or NodeKind.NormShift ? 0 : i);
            }
            return ids;
        }

        private void Edge(int src, int dst, EdgeKind kind, int layer, double value, int kh, int kw, int parameter, int element)
        {
            _src.Add(src); _dst.Add(dst); _edgeKinds.Add(kind); _edgeLayer.Add(layer); _values.Add(value);
            _kh.Add(kh); _kw.Add(kw); _param.Add(parameter); _element.Add(element);
        }

        private double[] Values(string parameter)
        {
            if (!_paramValues.TryGetValue(parameter, out var v))
                _paramValues[parameter] = v = model[parameter].ToArray().Select(x => double.CreateChecked(x)).ToArray();
            return v;
        }

        /// <summary>Every entry of every trainable parameter is carried by exactly one edge.</summary>
        private void CheckCoverage()
        {
            var seen = _graph.Parameters.Where(p => p.Trainable).Select(p => new bool[Shapes.Size(p.Shape)]).ToArray();
            for (int e = 0; e < _param.Count; e++)
            {
                int p = _param[e];
                if (p < 0) continue;
                if (seen[p][_element[e]]) throw new InvalidOperationException($"Parameter graph of '{_graph.Name}': entry {_element[e]} of '{_paramNames[p]}' has two edges");
                seen[p][_element[e]] = true;
            }
            for (int p = 0; p < seen.Length; p++)
            {
                int missing = Array.IndexOf(seen[p], false);
                if (missing >= 0) throw Unsupported(_paramNames[p], "parameter", $"entry {missing} of '{_paramNames[p]}' has no edge (its op is not understood)");
            }
        }

        private NotSupportedException Unsupported(string node, string kind, string what)
            => new($"Parameter graph of '{_graph.Name}': node '{node}' ({kind}) is {what}; not supported");
    }
}
