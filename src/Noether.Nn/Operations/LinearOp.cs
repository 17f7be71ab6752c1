using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>y = x·Wᵀ + b over the last axis; weight [Out, In], bias [Out] (PyTorch layout and init).</summary>
public sealed record LinearOp(int In, int Out, bool Bias = true) : Op
{
    public override string Kind => "Linear";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            double bound = 1 / Math.Sqrt(Math.Max(1, In));
            var slots = new List<ParameterSlot> { new("weight", [Out, In], Initializer.Uniform(bound)) };
            if (Bias) slots.Add(new("bias", [Out], Initializer.Uniform(bound)));
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
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
        if (input.Value.Rank == 2) return Ops.Linear(input, c.Parameter("weight"), Bias ? c.Parameter("bias") : null, activation);
        var y = Unfused(c, [input]);
        return activation == FusedActivation.Relu ? Ops.Relu(y) : y;
    }

    private Variable<T> Unfused<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var y = Ops.MatMul(x[0].Value.Rank == 1 ? Ops.Reshape(x[0], 1, -1) : x[0], Ops.Transpose(c.Parameter("weight")));
        return Bias ? y + c.Parameter("bias") : y;
    }

    public override string Describe() => $"Linear({In} → {Out}{(Bias ? "" : ", no bias")})";
}

/// <summary>2-D convolution (NCHW); weight [Out, In/Groups, K, K], bias [Out].</summary>
public sealed record Conv2dOp(int In, int Out, int KernelH, int KernelW, Conv2dOptions Options, bool Bias = true) : Op
{
    public override string Kind => "Conv2d";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            int perGroup = In / Math.Max(1, Options.Groups);
            double bound = 1 / Math.Sqrt(Math.Max(1, (double)perGroup * KernelH * KernelW));
            var slots = new List<ParameterSlot> { new("weight", [Out, perGroup, KernelH, KernelW], Initializer.Uniform(bound)) };
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
        if (o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.PadH < 0 || o.PadW < 0)
            throw new ShapeMismatchException(Kind, $"strides {o.StrideH}x{o.StrideW} and dilations {o.DilationH}x{o.DilationW} must be positive, pads {o.PadH}x{o.PadW} non-negative", s);
        long oh = WindowShape.Output(s[1], o.PadH, o.DilationH, KernelH, o.StrideH), ow = WindowShape.Output(s[2], o.PadW, o.DilationW, KernelW, o.StrideW);
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(Kind, "kernel larger than padded input", s, [KernelH, KernelW]);
        if (oh > int.MaxValue || ow > int.MaxValue) throw new ShapeMismatchException(Kind, $"output {oh}x{ow} is too large", s, [KernelH, KernelW]);
        return [Out, (int)oh, (int)ow];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => Ops.Conv2d(x[0], c.Parameter("weight"), Bias ? c.Parameter("bias") : null, Options);

    public override string Describe() => $"Conv2d({In} → {Out}, {KernelH}x{KernelW}, stride {Options.StrideH}, pad {Options.PadH}{(Options.DilationH > 1 ? $", dilation {Options.DilationH}" : "")}{(Options.Groups > 1 ? $", groups {Options.Groups}" : "")}{(Bias ? "" : ", no bias")})";
}
