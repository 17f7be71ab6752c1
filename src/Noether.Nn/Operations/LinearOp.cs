using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// y = x·Wᵀ + b over the last axis; weight [Out, In], bias [Out] (PyTorch layout and init). With
/// <paramref name="Frozen"/> the layer is W-asymmetric: the frozen entries of every row are replaced by their fixed
/// values in the forward pass, so they receive no gradient and the stored weight's values there are never read.
/// </summary>
public sealed record LinearOp(int In, int Out, bool Bias = true, FrozenWeights? Frozen = null) : Op
{
    public override string Kind => "Linear";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            double bound = 1 / Math.Sqrt(Math.Max(1, In));
            Initializer init = Initializer.Uniform(bound);
            if (Frozen is not null) init = new FrozenInit(init, Frozen, Out, In);
            var slots = new List<ParameterSlot> { new("weight", [Out, In], init) };
            if (Bias) slots.Add(new("bias", [Out], Initializer.Uniform(bound)));
            return slots;
        }
    }

    /// <summary>The frozen entries of the weight, or null for a standard layer.</summary>
    public FrozenPattern? FrozenPattern => Frozen?.Pattern(Out, In);

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        Frozen?.Validate(Kind, [Out, In], In);
        if (s.Length == 0 || s[^1] != In) throw new ShapeMismatchException(Kind, $"expects a last axis of {In} features", s, [Out, In]);
        var r = (int[])s.Clone(); r[^1] = Out; return r;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) => Unfused(c, x);

    /// <summary>
    /// The forward pass with an activation fused into the bias pass (the executor's fusion of Linear → ReLU).
    /// Rank-2 inputs [N, In] run as one <see cref="Ops.Linear{T}"/> node; other ranks as MatMul + Add (+ ReLU).
    /// </summary>
    internal Variable<T> Forward<T>(OpContext<T> c, Variable<T> input, FusedActivation activation) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (input.Value.Rank == 2)
            return Ops.Linear(input, FrozenWeight.Effective(c.Parameter("weight"), Frozen?.Pattern(Out, In), [Out, In]), Bias ? c.Parameter("bias") : null, activation);
        var y = Unfused(c, [input]);
        return activation == FusedActivation.Relu ? Ops.Relu(y) : y;
    }

    private Variable<T> Unfused<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var w = FrozenWeight.Effective(c.Parameter("weight"), Frozen?.Pattern(Out, In), [Out, In]);
        var y = Ops.MatMul(x[0].Value.Rank == 1 ? Ops.Reshape(x[0], 1, -1) : x[0], Ops.Transpose(w));
        return Bias ? y + c.Parameter("bias") : y;
    }

    public override string Describe() => $"Linear({In} → {Out}{(Bias ? "" : ", no bias")}{FrozenWeight.Describe(Frozen)})";
}

/// <summary>
/// 2-D convolution (NCHW); weight [Out, In/Groups, K, K], bias [Out]. With <paramref name="Frozen"/> the layer is
/// W-asymmetric: every output channel's row of In/Groups·K·K entries has fixed frozen entries (see <see cref="LinearOp"/>).
/// </summary>
public sealed record Conv2dOp(int In, int Out, int KernelH, int KernelW, Conv2dOptions Options, bool Bias = true, FrozenWeights? Frozen = null) : Op
{
    public override string Kind => "Conv2d";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            int perGroup = In / Math.Max(1, Options.Groups);
            double bound = 1 / Math.Sqrt(Math.Max(1, (double)perGroup * KernelH * KernelW));
            Initializer init = Initializer.Uniform(bound);
            if (Frozen is not null) init = new FrozenInit(init, Frozen, Out, perGroup * KernelH * KernelW);
            var slots = new List<ParameterSlot> { new("weight", [Out, perGroup, KernelH, KernelW], init) };
            if (Bias) slots.Add(new("bias", [Out], Initializer.Uniform(bound)));
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 3, "[C, H, W]");
        var o = Options;
        if (In < 1 || Out < 1 || KernelH < 1 || KernelW < 1)
            throw new ShapeMismatchException(Kind, $"channels {In} → {Out} and kernel {KernelH}x{KernelW} must be positive", s);
        if (o.Groups < 1 || In % o.Groups != 0 || Out % o.Groups != 0) throw new ShapeMismatchException(Kind, $"groups {o.Groups} must divide {In} and {Out}", s);
        if (s[0] != In) throw new ShapeMismatchException(Kind, $"expects {In} input channels", s, [Out, In / o.Groups, KernelH, KernelW]);
        Frozen?.Validate(Kind, [Out, In / o.Groups, KernelH, KernelW], In / o.Groups * KernelH * KernelW);
        if (o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.PadH < 0 || o.PadW < 0)
            throw new ShapeMismatchException(Kind, $"strides {o.StrideH}x{o.StrideW} and dilations {o.DilationH}x{o.DilationW} must be positive, pads {o.PadH}x{o.PadW} non-negative", s);
        long oh = WindowShape.Output(s[1], o.PadH, o.DilationH, KernelH, o.StrideH), ow = WindowShape.Output(s[2], o.PadW, o.DilationW, KernelW, o.StrideW);
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(Kind, "kernel larger than padded input", s, [KernelH, KernelW]);
        if (oh > int.MaxValue || ow > int.MaxValue) throw new ShapeMismatchException(Kind, $"output {oh}x{ow} is too large", s, [KernelH, KernelW]);
        return [Out, (int)oh, (int)ow];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => Ops.Conv2d(x[0], FrozenWeight.Effective(c.Parameter("weight"), FrozenPattern, WeightShape), Bias ? c.Parameter("bias") : null, Options);

    /// <summary>[Out, In/Groups, KernelH, KernelW].</summary>
    public int[] WeightShape => [Out, In / Math.Max(1, Options.Groups), KernelH, KernelW];

    /// <summary>The frozen entries of the weight (rows are output channels), or null for a standard layer.</summary>
    public FrozenPattern? FrozenPattern => Frozen?.Pattern(Out, In / Math.Max(1, Options.Groups) * KernelH * KernelW);

    public override string Describe() => $"Conv2d({In} → {Out}, {KernelH}x{KernelW}, stride {Options.StrideH}, pad {Options.PadH}{(Options.DilationH > 1 ? $", dilation {Options.DilationH}" : "")}{(Options.Groups > 1 ? $", groups {Options.Groups}" : "")}{(Bias ? "" : ", no bias")}{FrozenWeight.Describe(Frozen)})";
}
