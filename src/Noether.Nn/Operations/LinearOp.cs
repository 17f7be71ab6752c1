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

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
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
            double bound = 1 / Math.Sqrt(Math.Max(1, In / Options.Groups * KernelH * KernelW));
            var slots = new List<ParameterSlot> { new("weight", [Out, In / Options.Groups, KernelH, KernelW], Initializer.Uniform(bound)) };
            if (Bias) slots.Add(new("bias", [Out], Initializer.Uniform(bound)));
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = Expect(inputs[0], 3, "[C, H, W]");
        if (s[0] != In) throw new ShapeMismatchException(Kind, $"expects {In} input channels", s, [Out, In / Options.Groups, KernelH, KernelW]);
        if (In % Options.Groups != 0 || Out % Options.Groups != 0) throw new ShapeMismatchException(Kind, $"groups {Options.Groups} must divide {In} and {Out}", s);
        int oh = (s[1] + 2 * Options.PadH - Options.DilationH * (KernelH - 1) - 1) / Options.StrideH + 1;
        int ow = (s[2] + 2 * Options.PadW - Options.DilationW * (KernelW - 1) - 1) / Options.StrideW + 1;
        if (oh <= 0 || ow <= 0) throw new ShapeMismatchException(Kind, "kernel larger than padded input", s, [KernelH, KernelW]);
        return [Out, oh, ow];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
        => Ops.Conv2d(x[0], c.Parameter("weight"), Bias ? c.Parameter("bias") : null, Options);

    public override string Describe() => $"Conv2d({In} → {Out}, {KernelH}x{KernelW}, stride {Options.StrideH}, pad {Options.PadH}{(Options.DilationH > 1 ? $", dilation {Options.DilationH}" : "")}{(Options.Groups > 1 ? $", groups {Options.Groups}" : "")}{(Bias ? "" : ", no bias")})";
}
