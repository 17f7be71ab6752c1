using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Rearranges the elements of every sample by a fixed index map: for input [N, …] and a per-sample map of
    /// <paramref name="sampleShape"/>'s size, output[n, j] = input[n, map[j]] (flat per-sample indices), or
    /// <paramref name="fill"/> where map[j] is −1. Pads, slices and gathers are such maps; the gradient scatter-adds.
    /// </summary>
    public static Variable<T> Remap<T>(Variable<T> a, int[] map, int[] sampleShape, T fill) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = a.Value.Contiguous();
        if (x.Rank < 1) throw new ShapeMismatchException("Remap", "needs a leading batch axis", x.ShapeArray());
        int n = x.Dim(0), inner = n == 0 ? 0 : x.Length / n, outer = Shapes.Size(sampleShape);
        if (map.Length != outer) throw new ShapeMismatchException("Remap", $"the map has {map.Length} entries but the sample shape needs {outer}", sampleShape);
        foreach (int m in map)
            if (m < -1 || m >= inner) throw new ShapeMismatchException("Remap", $"map entry {m} is outside a sample of {inner} elements", x.ShapeArray(), sampleShape);
        var y = new Tensor<T>([n, .. sampleShape]);
        var xs = x.Span; var ys = y.Span;
        for (int b = 0; b < n; b++)
            for (int j = 0; j < outer; j++)
                ys[b * outer + j] = map[j] < 0 ? fill : xs[b * inner + map[j]];
        var shape = x.ShapeArray();
        return Make(y, "Remap", [a], g =>
        {
            var r = new Tensor<T>(shape); var rs = r.Span; var gs = g.Contiguous().Span;
            for (int b = 0; b < n; b++)
                for (int j = 0; j < outer; j++)
                    if (map[j] >= 0) rs[b * inner + map[j]] += gs[b * outer + j];
            return [r];
        });
    }

    /// <summary>aᵇ elementwise with broadcasting; da = g·b·aᵇ⁻¹, db = g·aᵇ·ln a (taken as 0 where a ≤ 0).</summary>
    public static Variable<T> Pow<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Pow(b.Value);
        return Make(y, "PowTensor", [a, b], g =>
        [
            a.RequiresGrad ? g * b.Value * a.Value.Pow(b.Value - Tensor<T>.Scalar(T.One)) : null,
            b.RequiresGrad ? g * y * a.Value.Map(v => v > T.Zero ? T.Log(v) : T.Zero) : null,
        ]);
    }

    /// <summary>The error function; derivative 2/√π·e^(−x²).</summary>
    public static Variable<T> Erf<T>(Variable<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = a.Value.Map(v => T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(v))));
        T c = T.CreateTruncating(2 / Math.Sqrt(Math.PI));
        return Make(y, "Erf", [a], g => [g * a.Value.Map(v => c * T.Exp(-v * v))]);
    }

    /// <summary>
    /// condition ? a : b elementwise with broadcasting of all three; <paramref name="condition"/> holds 1 (true) or
    /// 0 (false). The gradient flows to the selected operand only, so infinities in the other one do no harm.
    /// </summary>
    public static Variable<T> Where<T>(Tensor<T> condition, Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition.Shape, a.Value.Shape, "Where"), b.Value.Shape, "Where");
        var c = condition.BroadcastTo(shape).ToArray();
        var av = a.Value.BroadcastTo(shape).ToArray(); var bv = b.Value.BroadcastTo(shape).ToArray();
        var y = new T[c.Length];
        for (int i = 0; i < y.Length; i++) y[i] = c[i] != T.Zero ? av[i] : bv[i];
        return Make(new Tensor<T>(y, shape), "Where", [a, b], g =>
        {
            var gs = g.Contiguous().Span;
            var ga = new T[c.Length]; var gb = new T[c.Length];
            for (int i = 0; i < c.Length; i++) { if (c[i] != T.Zero) ga[i] = gs[i]; else gb[i] = gs[i]; }
            return [new Tensor<T>(ga, shape), new Tensor<T>(gb, shape)];
        });
    }
}
