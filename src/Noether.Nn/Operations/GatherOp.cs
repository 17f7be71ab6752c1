using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// Picks entries along one per-sample axis by fixed indices (negative ones count from the end). The indices' shape
/// replaces that axis: [.., d, ..] with indices of shape I gives [.., I.., ..]; scalar indices (shape []) drop it.
/// </summary>
public sealed record GatherOp(int Axis, int[] Indices, int[] IndicesShape) : Op
{
    public override string Kind => "Gather";

    private int[] Resolved(int[] s)
    {
        if (Axis < 0 || Axis >= s.Length) throw new ShapeMismatchException(Kind, $"axis {Axis} is out of range", s);
        if (Shapes.Size(IndicesShape) != Indices.Length) throw new ShapeMismatchException(Kind, $"{Indices.Length} indices do not fill the indices shape", IndicesShape);
        return Indices.Select(i =>
        {
            int r = i < 0 ? i + s[Axis] : i;
            return r >= 0 && r < s[Axis] ? r : throw new ShapeMismatchException(Kind, $"index {i} is out of range for axis {Axis}", s);
        }).ToArray();
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
    {
        var s = inputs[0];
        Resolved(s);
        return [.. s[..Axis], .. IndicesShape, .. s[(Axis + 1)..]];
    }

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        var s = x[0].Value.ShapeArray()[1..];
        var idx = Resolved(s);
        int outer = Shapes.Size(s[..Axis]), inner = Shapes.Size(s[(Axis + 1)..]), n = s[Axis];
        var outShape = InferShape([s]);
        var map = new int[outer * idx.Length * inner];
        int j = 0;
        for (int o = 0; o < outer; o++)
            foreach (int i in idx)
                for (int k = 0; k < inner; k++) map[j++] = (o * n + i) * inner + k;
        return Ops.Remap(x[0], map, outShape, T.Zero);
    }

    public override string Describe() => $"Gather(axis {Axis}, {Indices.Length} indices {Shapes.Format(IndicesShape)})";
    public bool Equals(GatherOp? other) => other is not null && Axis == other.Axis && Indices.SequenceEqual(other.Indices) && IndicesShape.SequenceEqual(other.IndicesShape);
    public override int GetHashCode() => HashCode.Combine(Axis, Indices.Length);
}
