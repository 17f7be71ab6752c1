using System.Numerics;
using Noether.Nn.Operations;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn;

/// <summary>Runs a <see cref="FusedChain"/>: Linear (+ ReLU) through <see cref="Ops.Linear{T}"/>, Conv2d → BatchNorm (→ ReLU) folded.</summary>
internal static class FusedKernels
{
    public static Variable<T> Run<T>(FusedChain chain, Func<string, Variable<T>> value, Func<string, OpContext<T>> context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = chain.Relu is null ? FusedActivation.None : FusedActivation.Relu;
        var input = value(chain.Head.Inputs[0]);
        if (chain.Head.Op is AddOp) return Variable<T>.Constant(AddRelu(input.Value, value(chain.Head.Inputs[1]).Value));
        if (chain.Head.Op is LinearOp linear) return linear.Forward(context(chain.Head.Name), input, act);
        var conv = (Conv2dOp)chain.Head.Op;
        var bn = (BatchNormOp)chain.Norm!.Op;
        var cc = context(chain.Head.Name); var nc = context(chain.Norm.Name);
        var (w, b) = FoldBatchNorm(cc.Parameter("weight").Value, conv.Bias ? cc.Parameter("bias").Value : null,
            nc.Parameter("weight").Value, nc.Parameter("bias").Value, nc.Parameter("running_mean").Value, nc.Parameter("running_var").Value, bn.Eps);
        return Variable<T>.Constant(Convolution.Conv2d(input.Value, w, b, conv.Options, relu: act == FusedActivation.Relu));
    }

    /// <summary>max(a + b, 0) in one pass (inference: no gradient).</summary>
    internal static Tensor<T> AddRelu<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(a.Shape, b.Shape)) return (a + b).Relu();
        return a.AddRelu(b);
    }

    /// <summary>
    /// The convolution equal to conv followed by inference BatchNorm: s = γ/√(var + ε), W' = s[o]·W[o], b' = β + s·(b − mean).
    /// </summary>
    internal static (Tensor<T> Weight, Tensor<T> Bias) FoldBatchNorm<T>(Tensor<T> weight, Tensor<T>? bias, Tensor<T> gamma, Tensor<T> beta,
        Tensor<T> mean, Tensor<T> variance, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int o = weight.Dim(0), per = weight.Length / o;
        var w = Tensor<T>.Zeros(weight.ShapeArray()); var ws = w.Span; // arena storage when one is active: no LOH copy per call
        var src = weight.Contiguous().Span;
        var b = new Tensor<T>(o); var bs = b.Span;
        var g = gamma.Contiguous().Span; var be = beta.Contiguous().Span; var m = mean.Contiguous().Span; var v = variance.Contiguous().Span;
        var cb = bias?.Contiguous();
        T e = T.CreateChecked(eps);
        for (int i = 0; i < o; i++)
        {
            T s = g[i] / T.Sqrt(v[i] + e);
            System.Numerics.Tensors.TensorPrimitives.Multiply(src.Slice(i * per, per), s, ws.Slice(i * per, per));
            bs[i] = be[i] + s * ((cb is null ? T.Zero : cb.Span[i]) - m[i]);
        }
        return (w, b);
    }
}
