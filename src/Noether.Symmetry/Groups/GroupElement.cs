using Noether.Tensors;

namespace Noether.Symmetry.Groups;

/// <summary>An invertible n×n matrix as an immutable group element.</summary>
public abstract record GroupElement
{
    /// <summary>Dimension n of the space the element acts on.</summary>
    public abstract int Size { get; }

    /// <summary>The element as a dense matrix.</summary>
    public abstract Tensor<double> ToMatrix();

    /// <summary>The product this·other (apply <paramref name="other"/> first).</summary>
    public abstract GroupElement Compose(GroupElement other);

    /// <summary>The inverse element.</summary>
    public abstract GroupElement Inverse();

    /// <summary>True when the element is the identity within <paramref name="tolerance"/>.</summary>
    public bool IsIdentity(double tolerance = 1e-12) => ToMatrix().MaxAbsDiff(Tensor<double>.Eye(Size)) <= tolerance;

    /// <summary>Maximum entrywise distance between the matrices of two elements.</summary>
    public double Distance(GroupElement other) => ToMatrix().MaxAbsDiff(other.ToMatrix());

    internal static void SameSize(GroupElement a, GroupElement b)
    {
        if (a.Size != b.Size) throw new ShapeMismatchException("GroupElement.Compose", "elements act on spaces of different sizes", [a.Size], [b.Size]);
    }
}

/// <summary>
/// A monomial matrix A with (A x)_i = Scale[i] · x_{Perm[i]}: one non-zero per row and column. Represents elements of
/// permutation, scaling, sign-flip, P·D and signed-permutation groups.
/// </summary>
public sealed record MonomialElement : GroupElement
{
    private readonly int[] _perm;
    private readonly double[] _scale;

    /// <summary>Creates an element; <paramref name="perm"/> must be a permutation and scales non-zero.</summary>
    public MonomialElement(int[] perm, double[] scale)
    {
        if (perm.Length != scale.Length) throw new ShapeMismatchException("MonomialElement", "permutation and scale lengths differ", [perm.Length], [scale.Length]);
        var seen = new bool[perm.Length];
        foreach (var p in perm)
        {
            if ((uint)p >= (uint)perm.Length || seen[p]) throw new ArgumentException($"MonomialElement: [{string.Join(", ", perm.Take(16))}…] is not a permutation of 0..{perm.Length - 1}");
            seen[p] = true;
        }
        foreach (var s in scale) if (s == 0 || !double.IsFinite(s)) throw new ArgumentException($"MonomialElement: scale {s} is not a finite non-zero number");
        _perm = (int[])perm.Clone();
        _scale = (double[])scale.Clone();
    }

    /// <summary>The identity of size n.</summary>
    public static MonomialElement Identity(int n) => new(Enumerable.Range(0, n).ToArray(), Enumerable.Repeat(1.0, n).ToArray());

    /// <summary>A pure permutation.</summary>
    public static MonomialElement FromPermutation(int[] perm) => new(perm, Enumerable.Repeat(1.0, perm.Length).ToArray());

    /// <summary>A pure diagonal.</summary>
    public static MonomialElement FromDiagonal(double[] scale) => new(Enumerable.Range(0, scale.Length).ToArray(), scale);

    /// <summary>Row i reads coordinate Perm[i].</summary>
    public IReadOnlyList<int> Perm => _perm;

    /// <summary>Row i's non-zero value.</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <inheritdoc />
    public override int Size => _perm.Length;

    /// <inheritdoc />
    public override Tensor<double> ToMatrix()
    {
        var m = new Tensor<double>(Size, Size);
        for (int i = 0; i < Size; i++) m[i, _perm[i]] = _scale[i];
        return m;
    }

    /// <inheritdoc />
    public override GroupElement Compose(GroupElement other)
    {
        SameSize(this, other);
        if (other is not MonomialElement b) return new MatrixElement(ToMatrix().MatMul(other.ToMatrix()));
        // (A B x)_i = s_i (B x)_{p[i]} = s_i · t_{p[i]} · x_{q[p[i]]}
        var perm = new int[Size]; var scale = new double[Size];
        for (int i = 0; i < Size; i++) { perm[i] = b._perm[_perm[i]]; scale[i] = _scale[i] * b._scale[_perm[i]]; }
        return new MonomialElement(perm, scale);
    }

    /// <inheritdoc />
    public override GroupElement Inverse()
    {
        var perm = new int[Size]; var scale = new double[Size];
        for (int i = 0; i < Size; i++) { perm[_perm[i]] = i; scale[_perm[i]] = 1 / _scale[i]; }
        return new MonomialElement(perm, scale);
    }

    /// <summary>The entrywise absolute value |A| (a monomial with |scales|).</summary>
    public MonomialElement Abs() => new(_perm, _scale.Select(Math.Abs).ToArray());

    /// <summary>P·D^d: every scale raised to the power d.</summary>
    public MonomialElement PowerOfScales(int d) => new(_perm, _scale.Select(s => Math.Pow(s, d)).ToArray());

    /// <inheritdoc />
    public bool Equals(MonomialElement? other) => other is not null && _perm.AsSpan().SequenceEqual(other._perm) && _scale.AsSpan().SequenceEqual(other._scale);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Size, _perm.Length > 0 ? _perm[0] : 0);

    /// <inheritdoc />
    public override string ToString()
    {
        bool pureScale = _perm.Select((p, i) => p == i).All(b => b), pureperm = _scale.All(s => s == 1);
        string Perm() => $"perm [{string.Join(", ", _perm.Take(8))}{(Size > 8 ? ", …" : "")}]";
        string Scales() => $"scales [{string.Join(", ", _scale.Take(8).Select(s => s.ToString("G4")))}{(Size > 8 ? ", …" : "")}]";
        return pureScale && pureperm ? $"identity({Size})" : pureperm ? Perm() : pureScale ? Scales() : $"{Perm()} {Scales()}";
    }
}

/// <summary>A dense invertible matrix (elements of GL(n) and O(n)).</summary>
public sealed record MatrixElement : GroupElement
{
    private readonly Tensor<double> _matrix;

    /// <summary>Wraps a square matrix (copied).</summary>
    public MatrixElement(Tensor<double> matrix)
    {
        if (matrix.Rank != 2 || matrix.Dim(0) != matrix.Dim(1)) throw new ShapeMismatchException("MatrixElement", "needs a square matrix", matrix.ShapeArray());
        _matrix = matrix.Clone();
    }

    /// <inheritdoc />
    public override int Size => _matrix.Dim(0);

    /// <inheritdoc />
    public override Tensor<double> ToMatrix() => _matrix.Clone();

    /// <inheritdoc />
    public override GroupElement Compose(GroupElement other)
    {
        SameSize(this, other);
        return new MatrixElement(_matrix.MatMul(other.ToMatrix()));
    }

    /// <inheritdoc />
    public override GroupElement Inverse() => new MatrixElement(Tensors.Linalg.Linalg.Inverse(_matrix));

    /// <inheritdoc />
    public bool Equals(MatrixElement? other) => other is not null && Size == other.Size && _matrix.MaxAbsDiff(other._matrix) == 0;

    /// <inheritdoc />
    public override int GetHashCode() => Size;

    /// <inheritdoc />
    public override string ToString() => $"matrix({Size}×{Size})";
}
