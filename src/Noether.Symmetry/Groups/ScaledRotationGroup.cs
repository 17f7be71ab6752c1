using Noether.Tensors;

namespace Noether.Symmetry.Groups;

/// <summary>
/// The commutant of rotary position embeddings on one head: per rotated pair of coordinates a scaled rotation
/// s·R(φ) (the group R+ × SO(2) ≅ C*), and GL on the coordinates that are not rotated. Pair i is
/// (i, i + <see cref="Pairs"/>) when <see cref="Interleaved"/> is false (Hugging Face's rotate_half), else (2i, 2i + 1);
/// the unrotated coordinates are [2·Pairs, Size). Elements are <see cref="MatrixElement"/>s of that block form.
/// </summary>
public sealed record ScaledRotationGroup(int Size, int Pairs, bool Interleaved) : Group
{
    /// <inheritdoc />
    public override int Size { get; } = Size >= 0 && Pairs >= 0 && 2 * Pairs <= Size ? Size
        : throw new ArgumentOutOfRangeException(nameof(Size), $"{Pairs} rotated pairs do not fit {Size} coordinates");

    /// <summary>Coordinates that are not rotated (acted on by GL).</summary>
    public int Rest => Size - 2 * Pairs;

    /// <summary>The coordinates (a, b) of pair <paramref name="i"/>.</summary>
    public (int A, int B) Pair(int i) => Interleaved ? (2 * i, 2 * i + 1) : (i, i + Pairs);

    /// <inheritdoc />
    public override long ContinuousDimension => 2L * Pairs + (long)Rest * Rest;

    /// <inheritdoc />
    public override double Log10FiniteOrder => Rest > 0 ? Math.Log10(2) : 0;

    /// <inheritdoc />
    public override GroupElement Identity => new MatrixElement(Tensor<double>.Eye(Size));

    /// <summary>The element with scale s_i and angle φ_i on pair i and <paramref name="rest"/> on the unrotated block.</summary>
    public MatrixElement Element(IReadOnlyList<double> scales, IReadOnlyList<double> angles, Tensor<double>? rest = null)
    {
        if (scales.Count != Pairs || angles.Count != Pairs) throw new ShapeMismatchException(Name, "needs one scale and one angle per pair", [scales.Count, angles.Count], [Pairs]);
        var m = Tensor<double>.Eye(Size);
        for (int i = 0; i < Pairs; i++)
        {
            var (a, b) = Pair(i);
            double c = scales[i] * Math.Cos(angles[i]), s = scales[i] * Math.Sin(angles[i]);
            (m[a, a], m[a, b], m[b, a], m[b, b]) = (c, -s, s, c);
        }
        if (rest is not null)
        {
            if (!rest.ShapeArray().SequenceEqual([Rest, Rest])) throw new ShapeMismatchException(Name, "the unrotated block has the wrong size", rest.ShapeArray(), [Rest, Rest]);
            m.Slice(0, 2 * Pairs, Size).Slice(1, 2 * Pairs, Size).CopyFrom(rest);
        }
        return new MatrixElement(m);
    }

    /// <inheritdoc />
    public override GroupElement Random(Rng rng)
    {
        var scales = Enumerable.Range(0, Pairs).Select(_ => Math.Exp(0.5 * rng.NextNormal())).ToArray();
        var angles = Enumerable.Range(0, Pairs).Select(_ => 2 * Math.PI * rng.NextDouble()).ToArray();
        var rest = Rest > 0 ? ((MatrixElement)new GeneralLinearGroup(Rest).Random(rng)).ToMatrix() : null;
        return Element(scales, angles, rest);
    }

    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
    {
        RequireSize(element);
        var m = element.ToMatrix();
        int r0 = 2 * Pairs;
        var pairOf = new int[Size];
        Array.Fill(pairOf, -1);
        for (int i = 0; i < Pairs; i++) { var (a, b) = Pair(i); pairOf[a] = pairOf[b] = i; }
        for (int i = 0; i < Size; i++)
            for (int j = 0; j < Size; j++)
            {
                bool inBlock = pairOf[i] >= 0 ? pairOf[i] == pairOf[j] : pairOf[j] < 0;
                if (!inBlock && Math.Abs(m[i, j]) > tolerance) return false;
            }
        for (int i = 0; i < Pairs; i++)
        {
            var (a, b) = Pair(i);
            // [[c, −s], [s, c]] with c² + s² > 0.
            if (Math.Abs(m[a, a] - m[b, b]) > tolerance || Math.Abs(m[a, b] + m[b, a]) > tolerance) return false;
            if (m[a, a] * m[a, a] + m[b, a] * m[b, a] <= tolerance * tolerance) return false;
        }
        if (Rest == 0) return true;
        return Math.Abs(Tensors.Linalg.Linalg.Determinant(m.Slice(0, r0, Size).Slice(1, r0, Size).Contiguous())) > tolerance;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Exact with GL (this group) and with itself; with other groups the trivial group, a subgroup of the meet (the
    /// meet with a monomial or orthogonal group has no type here).
    /// </remarks>
    public override Group Intersect(Group other) => other switch
    {
        _ when other.Size != Size => throw new ShapeMismatchException("Group.Intersect", "groups act on spaces of different sizes", [Size], [other.Size]),
        GeneralLinearGroup => this,
        ScaledRotationGroup r when r == this => this,
        _ => Trivial(Size),
    };

    /// <inheritdoc />
    public override string Name => (Pairs > 0 ? $"(R+ × SO(2))^{Pairs}" : "") + (Pairs > 0 && Rest > 0 ? " × " : "") + (Rest > 0 || Pairs == 0 ? $"GL({Rest})" : "");
}
