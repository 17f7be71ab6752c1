using System.Text.Json.Serialization;
using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>How <see cref="PadOp"/> fills the border.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PadMode>))]
public enum PadMode
{
    /// <summary>A constant value.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge (d c b | a b c d | c b a).</summary>
    Reflect,
    /// <summary>Repeat the edge element.</summary>
    Edge,
}

/// <summary>
/// Pads (or, with negative amounts, crops) the per-sample axes. <see cref="Pads"/> lists the amounts added before
/// each per-sample axis, then those added after each (ONNX order without the batch axis).
/// </summary>
public sealed record PadOp(int[] Pads, PadMode Mode = PadMode.Constant, double Value = 0) : Op
{
    public override string Kind => "Pad";

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        if (Pads.Length != 2 * s.Length) throw new ShapeMismatchException(Kind, $"needs {2 * s.Length} pad amounts (begin and end per axis), got {Pads.Length}", s, Pads);
        var r = new int[s.Length];
        for (int a = 0; a < s.Length; a++)
        {
            r[a] = s[a] + Pads[a] + Pads[s.Length + a];
            if (r[a] < 0) throw new ShapeMismatchException(Kind, $"cropping axis {a} below zero", s, Pads);
            if (Mode == PadMode.Reflect && (Pads[a] >= s[a] || Pads[s.Length + a] >= s[a]))
                throw new ShapeMismatchException(Kind, $"reflect padding of axis {a} must be smaller than its size", s, Pads);
            if (Mode == PadMode.Edge && s[a] == 0 && r[a] > 0) throw new ShapeMismatchException(Kind, $"edge padding of the empty axis {a}", s, Pads);
        }
        return r;
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var s = x[0].Value.ShapeArray()[1..];
        var outShape = InferShape([s]);
        var map = SampleIndexing.Map(s, outShape, (a, o) =>
        {
            int i = o - Pads[a], n = s[a];
            if (i >= 0 && i < n) return i;
            return Mode switch
            {
                PadMode.Edge => Math.Clamp(i, 0, n - 1),
                PadMode.Reflect => i < 0 ? -i : 2 * (n - 1) - i,
                _ => -1,
            };
        });
        return Ops.Remap(x[0], map, outShape, T.CreateChecked(Value));
    }

    public override string Describe() => $"Pad({Shapes.Format(Pads)}, {Mode.ToString().ToLowerInvariant()}{(Mode == PadMode.Constant ? $" {Value}" : "")})";
    public bool Equals(PadOp? other) => other is not null && Pads.SequenceEqual(other.Pads) && Mode == other.Mode && Value.Equals(other.Value);
    public override int GetHashCode() => HashCode.Combine(Pads.Length, Mode, Value);
}
