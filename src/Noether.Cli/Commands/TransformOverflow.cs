using Noether.IO;
using Noether.Nn;
using Noether.Symmetry.Derivation;

namespace Noether.Cli.Commands;

/// <summary>Explains a transform whose moved weights do not fit the output's element type: which tensor, which factor, by how much.</summary>
internal static class TransformOverflow
{
    /// <summary>The overflow restated with the symmetry factors acting on the tensor and the scale the element applied.</summary>
    public static InvalidDataException Explain(ValueOverflowException e, WeightSpaceSpec spec, Model<double> before, ulong seed)
        => Explain(e, spec, before.Parameters.TryGetValue(e.Tensor, out var t) && e.Element < t.Length ? t.Contiguous().Span[e.Element] : double.NaN, seed);

    /// <summary>An in-place float32 transform that overflowed (<see cref="OverflowException"/> from the group action), explained the same way.</summary>
    public static InvalidDataException Explain(OverflowException e, WeightSpaceSpec spec, string output, int[] shape, ulong seed)
        => Explain(new ValueOverflowException(output, (string)e.Data["tensor"]!, shape, (int)e.Data["element"]!, (double)e.Data["value"]!, SafetensorsDtype.F32),
            spec, (double)e.Data["original"]!, seed);

    private static InvalidDataException Explain(ValueOverflowException e, WeightSpaceSpec spec, double original, ulong seed)
    {
        var factors = spec.Factors.Where(f => f.Bindings.Any(b => b.Parameter == e.Tensor) || f.AffineShifts.Any(s => s.Bias == e.Tensor))
            .Select(f => $"'{f.Name}'").ToArray();
        string scale = original != 0 && double.IsFinite(original) ? $", {Math.Abs(e.Value / original):G3}× its value {original:G6}" : "";
        return new InvalidDataException(
            $"transform --seed {seed}: the random element of factor {(factors.Length == 0 ? "(none found)" : string.Join(", ", factors))} moves tensor '{e.Tensor}' "
            + $"element {e.Element} to {e.Value:G6}{scale}, beyond the largest {e.Dtype.ToHeaderName()} ({StorageRange.MaxFinite(e.Dtype):G6}); nothing was written — "
            + "choose another --seed or save as float64", e);
    }
}
