using Noether.Tensors;

namespace Noether.Symmetry.Groups;

/// <summary>
/// A matrix group acting on R^n, as an immutable value with value equality and a readable name. The concrete groups
/// form a lattice closed under <see cref="Intersect"/>: the monomial family (permutations and/or diagonals) and the
/// dense groups O(n) ⊂ GL(n).
/// </summary>
public abstract record Group
{
    /// <summary>The dimension n.</summary>
    public abstract int Size { get; }

    /// <summary>Dimension of the group as a manifold (0 for finite groups).</summary>
    public abstract long ContinuousDimension { get; }

    /// <summary>log10 of the number of connected components (the order of the finite part).</summary>
    public abstract double Log10FiniteOrder { get; }

    /// <summary>The identity element.</summary>
    public abstract GroupElement Identity { get; }

    /// <summary>A random element (well conditioned for continuous groups).</summary>
    public abstract GroupElement Random(Rng rng);

    /// <summary>True when the element belongs to the group, up to <paramref name="tolerance"/>.</summary>
    public abstract bool Contains(GroupElement element, double tolerance = 1e-9);

    /// <summary>The largest group contained in both (the lattice meet).</summary>
    public abstract Group Intersect(Group other);

    /// <summary>True for the one-element group.</summary>
    public bool IsTrivial => ContinuousDimension == 0 && Log10FiniteOrder == 0;

    /// <summary>A short mathematical name such as <c>S_32 ⋉ (R+)^32</c> or <c>GL(16)</c>.</summary>
    public abstract string Name { get; }

    /// <inheritdoc />
    public sealed override string ToString() => Name;

    /// <summary>The trivial group {I}.</summary>
    public static Group Trivial(int n) => new MonomialGroup(n, false, DiagonalKind.None);
    /// <summary>Permutation matrices S_n.</summary>
    public static Group Permutation(int n) => new MonomialGroup(n, true, DiagonalKind.None);
    /// <summary>Positive diagonal matrices (R+)^n.</summary>
    public static Group PositiveScaling(int n) => new MonomialGroup(n, false, DiagonalKind.Positive);
    /// <summary>Sign flips {±1}^n.</summary>
    public static Group SignFlips(int n) => new MonomialGroup(n, false, DiagonalKind.Sign);
    /// <summary>Invertible diagonal matrices (R*)^n.</summary>
    public static Group NonzeroScaling(int n) => new MonomialGroup(n, false, DiagonalKind.Nonzero);
    /// <summary>P·D with D positive diagonal (the ReLU intertwiner group).</summary>
    public static Group Monomial(int n) => new MonomialGroup(n, true, DiagonalKind.Positive);
    /// <summary>P·S with S = diag(±1) (the tanh intertwiner group).</summary>
    public static Group SignedPermutation(int n) => new MonomialGroup(n, true, DiagonalKind.Sign);
    /// <summary>P·D with D invertible diagonal.</summary>
    public static Group InvertibleMonomial(int n) => new MonomialGroup(n, true, DiagonalKind.Nonzero);
    /// <summary>The orthogonal group O(n).</summary>
    public static Group Orthogonal(int n) => new OrthogonalGroup(n);
    /// <summary>The general linear group GL(n).</summary>
    public static Group GeneralLinear(int n) => new GeneralLinearGroup(n);

    /// <summary>log10(n!) computed stably.</summary>
    public static double Log10Factorial(int n)
    {
        double s = 0;
        for (int i = 2; i <= n; i++) s += Math.Log10(i);
        return s;
    }

    internal void RequireSize(GroupElement e)
    {
        if (e.Size != Size) throw new ShapeMismatchException(Name, "element and group sizes differ", [e.Size], [Size]);
    }

    internal static Tensor<double> RandomOrthogonal(Rng rng, int n)
    {
        var (q, r) = Tensors.Linalg.Linalg.Qr(Tensor<double>.RandomNormal(rng, n, n));
        // Fix column signs by diag(R) so the distribution is Haar.
        for (int j = 0; j < n; j++)
            if (r[j, j] < 0) for (int i = 0; i < n; i++) q[i, j] = -q[i, j];
        return q;
    }
}

/// <summary>Which diagonal matrices a monomial group contains.</summary>
public enum DiagonalKind
{
    /// <summary>Only the identity.</summary>
    None,
    /// <summary>Positive entries.</summary>
    Positive,
    /// <summary>Entries ±1.</summary>
    Sign,
    /// <summary>Any non-zero entries.</summary>
    Nonzero,
}

/// <summary>
/// The monomial groups {P·D}: P ranges over all permutations or only I (<see cref="Permutations"/>), D over the diagonal
/// matrices of <see cref="Diagonal"/>.
/// </summary>
public sealed record MonomialGroup(int Size, bool Permutations, DiagonalKind Diagonal) : Group
{
    /// <inheritdoc />
    public override int Size { get; } = Size >= 0 ? Size : throw new ArgumentOutOfRangeException(nameof(Size), $"group size {Size} is negative");

    /// <inheritdoc />
    public override long ContinuousDimension => Diagonal is DiagonalKind.Positive or DiagonalKind.Nonzero ? Size : 0;

    /// <inheritdoc />
    public override double Log10FiniteOrder =>
        (Permutations ? Log10Factorial(Size) : 0) + (Diagonal is DiagonalKind.Sign or DiagonalKind.Nonzero ? Size * Math.Log10(2) : 0);

    /// <inheritdoc />
    public override GroupElement Identity => MonomialElement.Identity(Size);

    /// <inheritdoc />
    public override GroupElement Random(Rng rng)
    {
        var perm = Permutations ? rng.Permutation(Size) : Enumerable.Range(0, Size).ToArray();
        var scale = new double[Size];
        for (int i = 0; i < Size; i++)
            scale[i] = Diagonal switch
            {
                DiagonalKind.None => 1,
                DiagonalKind.Positive => Math.Exp(0.5 * rng.NextNormal()),
                DiagonalKind.Sign => rng.NextDouble() < 0.5 ? -1 : 1,
                _ => (rng.NextDouble() < 0.5 ? -1 : 1) * Math.Exp(0.5 * rng.NextNormal()),
            };
        return new MonomialElement(perm, scale);
    }

    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
    {
        RequireSize(element);
        if (element is not MonomialElement m) return false;
        for (int i = 0; i < Size; i++)
        {
            if (!Permutations && m.Perm[i] != i) return false;
            double s = m.Scale[i];
            bool ok = Diagonal switch
            {
                DiagonalKind.None => Math.Abs(s - 1) <= tolerance,
                DiagonalKind.Positive => s > 0,
                DiagonalKind.Sign => Math.Abs(Math.Abs(s) - 1) <= tolerance,
                _ => true,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override Group Intersect(Group other) => other switch
    {
        _ when other.Size != Size => throw new ShapeMismatchException("Group.Intersect", "groups act on spaces of different sizes", [Size], [other.Size]),
        MonomialGroup m => new MonomialGroup(Size, Permutations && m.Permutations, Meet(Diagonal, m.Diagonal)),
        OrthogonalGroup => new MonomialGroup(Size, Permutations, Meet(Diagonal, DiagonalKind.Sign)),
        GeneralLinearGroup => this,
        _ => throw new NotSupportedException($"Cannot intersect {Name} with {other.Name}"),
    };

    internal static DiagonalKind Meet(DiagonalKind a, DiagonalKind b)
    {
        if (a == b) return a;
        if (a == DiagonalKind.Nonzero) return b;
        if (b == DiagonalKind.Nonzero) return a;
        return DiagonalKind.None; // Positive ∩ Sign, or anything with None
    }

    /// <inheritdoc />
    public override string Name
    {
        get
        {
            string diag = Diagonal switch
            {
                DiagonalKind.Positive => $"(R+)^{Size}",
                DiagonalKind.Sign => $"{{±1}}^{Size}",
                DiagonalKind.Nonzero => $"(R*)^{Size}",
                _ => "",
            };
            if (!Permutations) return diag.Length == 0 ? $"1({Size})" : diag;
            return diag.Length == 0 ? $"S_{Size}" : $"S_{Size} ⋉ {diag}";
        }
    }
}

/// <summary>The orthogonal group O(n).</summary>
public sealed record OrthogonalGroup(int Size) : Group
{
    /// <inheritdoc />
    public override int Size { get; } = Size >= 0 ? Size : throw new ArgumentOutOfRangeException(nameof(Size), $"group size {Size} is negative");
    /// <inheritdoc />
    public override long ContinuousDimension => (long)Size * (Size - 1) / 2;
    /// <inheritdoc />
    public override double Log10FiniteOrder => Size > 0 ? Math.Log10(2) : 0;
    /// <inheritdoc />
    public override GroupElement Identity => new MatrixElement(Tensor<double>.Eye(Size));
    /// <inheritdoc />
    public override GroupElement Random(Rng rng) => new MatrixElement(RandomOrthogonal(rng, Size));
    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
    {
        RequireSize(element);
        var m = element.ToMatrix();
        return m.Transpose().MatMul(m).MaxAbsDiff(Tensor<double>.Eye(Size)) <= tolerance;
    }
    /// <inheritdoc />
    public override Group Intersect(Group other) => other switch
    {
        _ when other.Size != Size => throw new ShapeMismatchException("Group.Intersect", "groups act on spaces of different sizes", [Size], [other.Size]),
        MonomialGroup m => m.Intersect(this),
        _ => this,
    };
    /// <inheritdoc />
    public override string Name => $"O({Size})";
}

/// <summary>The general linear group GL(n).</summary>
public sealed record GeneralLinearGroup(int Size) : Group
{
    /// <inheritdoc />
    public override int Size { get; } = Size >= 0 ? Size : throw new ArgumentOutOfRangeException(nameof(Size), $"group size {Size} is negative");
    /// <inheritdoc />
    public override long ContinuousDimension => (long)Size * Size;
    /// <inheritdoc />
    public override double Log10FiniteOrder => Size > 0 ? Math.Log10(2) : 0;
    /// <inheritdoc />
    public override GroupElement Identity => new MatrixElement(Tensor<double>.Eye(Size));
    /// <inheritdoc />
    public override GroupElement Random(Rng rng)
    {
        // Q1 · diag(e^{0.3 z}) · Q2: a random invertible matrix with condition number near e^{±1}.
        var d = Tensor<double>.RandomNormal(rng, Size).Map(z => Math.Exp(0.3 * z));
        return new MatrixElement((RandomOrthogonal(rng, Size) * d).MatMul(RandomOrthogonal(rng, Size)));
    }
    /// <inheritdoc />
    public override bool Contains(GroupElement element, double tolerance = 1e-9)
    {
        RequireSize(element);
        return Size == 0 || Math.Abs(Tensors.Linalg.Linalg.Determinant(element.ToMatrix())) > tolerance;
    }
    /// <inheritdoc />
    public override Group Intersect(Group other) => other.Size != Size
        ? throw new ShapeMismatchException("Group.Intersect", "groups act on spaces of different sizes", [Size], [other.Size])
        : other;
    /// <inheritdoc />
    public override string Name => $"GL({Size})";
}
