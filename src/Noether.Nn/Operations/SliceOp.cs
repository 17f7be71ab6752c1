using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Strided slices of per-sample axes with ONNX semantics: for each listed axis, elements start, start + step, …
/// up to (excluding) end; negative start/end count from the end, out-of-range bounds are clamped, and a negative
/// step walks backwards.
/// </summary>
public sealed record SliceOp(int[] Axes, long[] Starts, long[] Ends, long[] Steps) : Op
{
    public override string Kind => "Slice";

    /// <summary>Per listed axis, the clamped start and the number of elements taken.</summary>
    private (int Start, int Count, int Step)[] Resolve(int[] s)
    {
        if (Starts.Length != Axes.Length || Ends.Length != Axes.Length || Steps.Length != Axes.Length)
            throw new ShapeMismatchException(Kind, "axes, starts, ends and steps need equal lengths", s);
        var r = Enumerable.Range(0, s.Length).Select(a => (0, s[a], 1)).ToArray();
        var seen = new HashSet<int>();
        for (int i = 0; i < Axes.Length; i++)
        {
            int a = Axes[i];
            if (a < 0 || a >= s.Length || !seen.Add(a)) throw new ShapeMismatchException(Kind, $"axis {a} is out of range or repeated", s);
            long n = s[a], step = Steps[i];
            if (step == 0) throw new ShapeMismatchException(Kind, $"step of axis {a} is 0", s);
            long start = Starts[i] < 0 ? Starts[i] + n : Starts[i], end = Ends[i] < 0 ? Ends[i] + n : Ends[i];
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, n); end = Math.Clamp(end, 0, n);
                count = end > start ? (end - start + step - 1) / step : 0;
            }
            else
            {
                start = Math.Clamp(start, -1, n - 1); end = Math.Clamp(end, -1, n - 1);
                count = start > end ? (start - end - step - 1) / -step : 0;
            }
            r[a] = ((int)start, (int)count, (int)step);
        }
        return r;
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs) => Resolve(inputs[0]).Select(r => r.Count).ToArray();

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var s = x[0].Value.ShapeArray()[1..];
        var r = Resolve(s);
        var outShape = r.Select(t => t.Count).ToArray();
        return Ops.Remap(x[0], SampleIndexing.Map(s, outShape, (a, o) => r[a].Start + o * r[a].Step), outShape, T.Zero);
    }

    public override string Describe() => $"Slice(axes {Shapes.Format(Axes)}, {string.Join(", ", Axes.Select((a, i) => $"{Starts[i]}:{Ends[i]}:{Steps[i]}"))})";
    public bool Equals(SliceOp? other) => other is not null && Axes.SequenceEqual(other.Axes) && Starts.SequenceEqual(other.Starts) && Ends.SequenceEqual(other.Ends) && Steps.SequenceEqual(other.Steps);
    public override int GetHashCode() => Axes.Length;
}
