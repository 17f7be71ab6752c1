using Noether.Nn;
using Noether.Nn.Operations;
using Noether.Symmetry.Groups;
using Noether.Symmetry.Intertwiners;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>Applies the symmetry rule of one op: declare its output's channels, link spaces, constrain, bind parameters.</summary>
        public void Visit(Node node)
        {
            if (VisitDirectionMerge(node)) return;
            string first = node.Inputs[0];
            bool carriesConcat = MayCarry(node) && _concats.ContainsKey(first), carriesStack = MayCarry(node) && _stacked.ContainsKey(first);
            // Readers that bind their first input's channel axis split a concatenation into its parts; a concatenation
            // of concatenations flattens them; ops that move other axes pass it on; every other reader fixes the parts.
            if (node.Op is not ConcatOp)
                FixConcatsReadBy(node, bindsFirstInput: carriesConcat
                    || node.Op is LinearOp or Conv2dOp { Options.Groups: 1 } or ConvTranspose2dOp { Options.Groups: 1 } or LstmOp or GruOp);
            // A direction stack is read as one value (its directions share an element) unless an op passes it on.
            for (int k = carriesStack ? 1 : 0; k < node.Inputs.Count; k++) LinkDirections(node.Inputs[k]);
            VisitRule(node);
            if (carriesConcat) CarryConcat(node);
            if (carriesStack) CarryStack(node);
        }

        /// <summary>The rule of the op itself, once concatenations and direction stacks among its inputs are settled.</summary>
        private void VisitRule(Node node)
        {
            if (VisitOpaque(node) || VisitPrimitive(node) || VisitRecurrent(node)) return;
            string o = node.Name, x = node.Inputs[0];
            var outShape = graph.ShapeOf(o);
            var xi = _info[x];
            switch (node.Op)
            {
                case LinearOp l:
                    Declare(o, new(outShape.Length - 1, l.Out, 1));
                    Bind(o, $"{o}.weight", 0, AxisRule.Covariant);
                    if (l.Bias) Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                    if (xi.HasChannels && xi.Axis != graph.ShapeOf(x).Length - 1) { Fallback(node, "a Linear over a non-channel axis"); break; }
                    BindInput(x, graph.ShapeOf(x).Length - 1, $"{o}.weight", 1, AxisRule.Contravariant);
                    if (l.FrozenPattern is { } lp)
                        ConstrainFrozen(node, lp, x, xi.HasChannels ? xi.Channels : l.In, xi.HasChannels ? Math.Max(1, l.In / Math.Max(1, xi.Channels)) : 1);
                    break;
                case FigluOp fg:
                    Declare(o, xi);
                    if (!xi.HasChannels) break;
                    Link(x, o, sameSegment: true, $"FiGLU '{o}'");
                    ConstrainFiglu(node, fg, x);
                    break;
                case Conv2dOp c:
                    Declare(o, new(0, c.Out, 1));
                    if (c.Options.Groups == 1)
                    {
                        Bind(o, $"{o}.weight", 0, AxisRule.Covariant);
                        if (c.Bias) Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                        BindInput(x, 0, $"{o}.weight", 1, AxisRule.Contravariant);
                        if (c.FrozenPattern is { } cp) ConstrainFrozen(node, cp, x, c.In, c.KernelH * c.KernelW);
                    }
                    else if (c.Frozen is not null) Fallback(node, "a grouped W-asymmetric convolution");
                    else if (c.Options.Groups == c.In && c.In == c.Out)
                    {
                        // Depthwise: output channel i reads input channel i only, so both sides share a permutation
                        // and each side may be rescaled independently (the kernel absorbs the ratio).
                        Link(x, o, sameSegment: false, $"depthwise conv '{o}'");
                        Constrain(x, Group.InvertibleMonomial, $"{o}: depthwise conv is channel-wise");
                        Constrain(o, Group.InvertibleMonomial, $"{o}: depthwise conv is channel-wise");
                        Bind(o, $"{o}.weight", 0, AxisRule.Relative, reference: x);
                        if (c.Bias) Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                    }
                    else Fallback(node, $"grouped convolution with {c.Options.Groups} groups");
                    break;
                case ConvTranspose2dOp ct:
                    // weight [In, Out/groups, kH, kW]: axis 0 reads the input's channels, axis 1 writes the output's.
                    Declare(o, new(0, ct.Out, 1));
                    if (ct.Options.Groups != 1) { Fallback(node, $"grouped transposed convolution with {ct.Options.Groups} groups"); break; }
                    Bind(o, $"{o}.weight", 1, AxisRule.Covariant);
                    if (ct.Bias) Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                    BindInput(x, 0, $"{o}.weight", 0, AxisRule.Contravariant);
                    break;
                case ResizeOp:
                    // Nearest, linear and cubic resizing mix pixels within each channel only: it commutes with every
                    // per-channel linear map, so the channels keep their space and segment.
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"resize '{o}'");
                    break;
                case ActivationOp a:
                    Declare(o, xi);
                    if (!xi.HasChannels) break;
                    var it = IntertwinerGroups.Of(a.Function, xi.Channels, options.AllowAffineIntertwiners);
                    if (it.AffineOffset is double offset)
                    {
                        var readers = graph.Consumers(o);
                        if (!graph.Outputs.Contains(o) && readers.Count > 0 && readers.All(r => r.Op is LinearOp { Bias: true }))
                        {
                            foreach (var r in readers) _shifts.Add((x, new AffineShift($"{r.Name}.bias", $"{r.Name}.weight", 1, -1, offset)));
                        }
                        else
                        {
                            _notes.Add($"{o} ({a.Function}): affine sign flips need every reader to be a Linear with a bias; the strictly linear group is used");
                            it = IntertwinerGroups.Of(a.Function, xi.Channels);
                        }
                    }
                    var act = a.Function;
                    Link(x, o, sameSegment: it.Phi is IdentityPhi, $"activation '{o}'");
                    var tolerated = it.Group; // on xi.Channels, the size every value linked to x shares
                    Constrain(x, _ => tolerated, $"{o} ({act}): {ReasonOf(it)}");
                    if (it.Phi is not IdentityPhi) _dependencies.Add(new(o, x, it.Phi, $"{o} ({act}): φ(A) = {it.Phi}"));
                    break;
                case DropoutOp or AvgPool2dOp or GlobalAvgPoolOp:
                    Declare(o, node.Op is GlobalAvgPoolOp ? new ChannelInfo(0, xi.Channels, 1) : xi);
                    Link(x, o, sameSegment: true, $"'{o}'");
                    break;
                case MaxPool2dOp:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"max pool '{o}'");
                    Constrain(x, Group.Monomial, $"{o} (max pool): commutes with P·D, D > 0 only");
                    break;
                case FlattenOp:
                    var xs = graph.ShapeOf(x);
                    if (xs.Length == 3 && xi.Axis == 0) Declare(o, new(0, xi.Channels, xi.Block * xs[1] * xs[2]));
                    else if (xs.Length == 1) Declare(o, xi);
                    else { Declare(o, DefaultInfo(outShape)); Fallback(node, "flattening interleaves the channel axis"); break; }
                    Link(x, o, sameSegment: true, $"flatten '{o}'");
                    break;
                case AddOp:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"residual '{o}'");
                    Link(node.Inputs[1], o, sameSegment: true, $"residual '{o}'");
                    break;
                case ConcatOp cc when VisitChannelConcat(node, cc):
                    break;
                case ConcatOp cc:
                    FixConcatsReadBy(node, bindsFirstInput: false);
                    Declare(o, DefaultInfo(outShape));
                    if (xi.HasChannels && cc.Axis != xi.Axis && _info[o].Axis == xi.Axis)
                        foreach (var v in node.Inputs) Link(v, o, sameSegment: true, $"concat '{o}'");
                    else Fallback(node, "concatenation along the channel axis");
                    break;
                case BatchNormOp:
                    Declare(o, xi);
                    Link(x, o, sameSegment: false, $"batch norm '{o}'");
                    Constrain(x, Group.Permutation, $"{o} (batch norm): normalises each input channel, absorbing its scale");
                    Constrain(o, Group.InvertibleMonomial, $"{o} (batch norm): affine γ, β absorb an output diagonal");
                    Bind(o, $"{o}.weight", 0, AxisRule.Relative, reference: x);
                    Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                    Bind(x, $"{o}.running_mean", 0, AxisRule.PermutationOnly);
                    Bind(x, $"{o}.running_var", 0, AxisRule.PermutationOnly);
                    break;
                case LayerNormOp ln:
                    Declare(o, xi);
                    if (xi.Axis != graph.ShapeOf(x).Length - 1) { Fallback(node, "layer norm over a non-channel axis"); break; }
                    Link(x, o, sameSegment: false, $"layer norm '{o}'");
                    Constrain(x, Group.Permutation, $"{o} (layer norm): mean and variance over channels admit permutations only");
                    if (ln.Affine)
                    {
                        Constrain(o, Group.InvertibleMonomial, $"{o} (layer norm): affine γ, β absorb an output diagonal");
                        Bind(o, $"{o}.weight", 0, AxisRule.Relative, reference: x);
                        Bind(o, $"{o}.bias", 0, AxisRule.Covariant);
                    }
                    else Constrain(o, Group.Permutation, $"{o} (layer norm without affine): no output scale can be absorbed");
                    break;
                case RmsNormOp { Affine: false }:
                    Declare(o, xi);
                    if (xi.Axis != graph.ShapeOf(x).Length - 1) { Fallback(node, "RMS norm over a non-channel axis"); break; }
                    Link(x, o, sameSegment: true, $"RMS norm '{o}'");
                    Constrain(x, Group.Orthogonal, $"{o} (RMS norm without gain): x/rms(x) commutes with every orthogonal map");
                    break;
                case RmsNormOp:
                    Declare(o, xi);
                    if (xi.Axis != graph.ShapeOf(x).Length - 1) { Fallback(node, "RMS norm over a non-channel axis"); break; }
                    Link(x, o, sameSegment: false, $"RMS norm '{o}'");
                    Constrain(x, Group.SignedPermutation, $"{o} (RMS norm): the RMS is invariant to signed permutations (O(d) once the gain is folded into the next weights)");
                    Constrain(o, Group.InvertibleMonomial, $"{o} (RMS norm): the gain absorbs an output diagonal");
                    Bind(o, $"{o}.weight", 0, AxisRule.Relative, reference: x);
                    break;
                case SoftmaxOp s:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"softmax '{o}'");
                    int sAxis = s.Axis < 0 ? graph.ShapeOf(x).Length + s.Axis : s.Axis;
                    if (sAxis == xi.Axis) Constrain(x, Group.Permutation, $"{o} (softmax over channels): permutations only");
                    break;
                case ReduceMeanOp r:
                    if (r.Axis == xi.Axis)
                    {
                        Declare(o, DefaultInfo(outShape));
                        Constrain(x, Group.Permutation, $"{o} (mean over channels): permutations only");
                        Constrain(o, null, $"{o} (mean over channels): a fixed function of its input, no space of its own");
                        break;
                    }
                    Declare(o, new(xi.Axis - (r.Axis < xi.Axis ? 1 : 0), xi.Channels, xi.Block));
                    Link(x, o, sameSegment: true, $"mean '{o}'");
                    break;
                case LearnedBiasOp:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"learned bias '{o}'");
                    Bind(x, $"{o}.weight", xi.Axis, AxisRule.Covariant);
                    break;
                case PositionEmbeddingOp when xi.Axis == outShape.Length - 1:
                    Declare(o, xi);
                    Link(x, o, sameSegment: true, $"position embedding '{o}'");
                    Bind(x, $"{o}.weight", 1, AxisRule.Covariant);
                    break;
                case EmbeddingOp e:
                    Declare(o, new(outShape.Length - 1, e.Dim, 1));
                    Bind(o, $"{o}.weight", 1, AxisRule.Covariant);
                    break;
                case AttentionOp at:
                    Declare(o, new(outShape.Length - 1, at.Model, 1));
                    foreach (var p in new[] { "q_proj", "k_proj", "v_proj" }) Bind(x, $"{o}.{p}.weight", 1, AxisRule.Contravariant);
                    Bind(o, $"{o}.o_proj.weight", 0, AxisRule.Covariant);
                    if (at.HasOutputBias) Bind(o, $"{o}.o_proj.bias", 0, AxisRule.Covariant);
                    _extraFactors.AddRange(AttentionFactors(o, at));
                    break;
                default:
                    Declare(o, DefaultInfo(outShape));
                    Fallback(node, "no symmetry rule is known for this op");
                    break;
            }
        }
    }
}
