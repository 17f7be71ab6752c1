using Noether.Tensors;
using Noether.Nn.Operations;

namespace Noether.IO;

/// <summary>Bounded activations: Clip (ReLU6, hardtanh), HardSigmoid and HardSwish.</summary>
internal sealed partial class OnnxGraphConverter
{
    /// <summary>
    /// Clip: bounds are attributes <c>min</c>/<c>max</c> before opset 11 and optional scalar inputs from opset 11 on;
    /// an absent bound leaves that side open. clip(0, ∞) is imported as ReLU, clip(−∞, ∞) as the identity.
    /// </summary>
    private void Clip()
    {
        double lo, hi;
        if (_opset < 11) (lo, hi) = (Float("min", double.NegativeInfinity), Float("max", double.PositiveInfinity));
        else (lo, hi) = (ClipBound(1, "min", double.NegativeInfinity), ClipBound(2, "max", double.PositiveInfinity));
        if (double.IsNegativeInfinity(lo) && double.IsPositiveInfinity(hi)) { Identity(); return; }
        Activate(lo == 0 && double.IsPositiveInfinity(hi) ? Activation.Relu : Activation.Clip(lo, hi));
    }

    private double ClipBound(int input, string what, double open)
    {
        if (Raw(input) is null) return open;
        var c = Const(input, what);
        if (Shapes.Size(c.Shape) != 1 || c.DependsOnBatch)
            throw Fail(OnnxImportError.UnsupportedVariant, $"{what} has shape {Shapes.Format(c.Shape)}; Clip takes a scalar bound");
        double v = c.Values[0];
        if (double.IsNaN(v)) throw Malformed($"{what} is NaN");
        return v;
    }

    private void HardSigmoid() => Activate(Activation.HardSigmoid(Float("alpha", 0.2), Float("beta", 0.5)));

    private void HardSwish() => Activate(Activation.HardSwish);
}
