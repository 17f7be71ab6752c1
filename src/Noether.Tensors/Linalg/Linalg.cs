using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace Noether.Tensors.Linalg;

/// <summary>
/// Dense linear algebra on matrices (rank-2 tensors): SVD, symmetric eigendecomposition, solve, inverse,
/// pseudo-inverse, QR. Computed in double precision by MathNet.Numerics' managed LAPACK ports — meant for the
/// small and medium matrices of symmetry work (Procrustes, teleportation, canonical forms), not for matmul.
/// Results are returned in the input's element type.
/// </summary>
public static class Linalg
{
    /// <summary>Thin SVD A = U·diag(S)·Vᵀ with singular values in descending order.</summary>
    public static (Tensor<T> U, Tensor<T> S, Tensor<T> Vt) Svd<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = ToMatrix(a, "Svd");
        var svd = m.Svd(computeVectors: true);
        int k = Math.Min(m.RowCount, m.ColumnCount);
        return (FromMatrix<T>(svd.U.SubMatrix(0, m.RowCount, 0, k)), FromVector<T>(svd.S.SubVector(0, k)), FromMatrix<T>(svd.VT.SubMatrix(0, k, 0, m.ColumnCount)));
    }

    /// <summary>Eigendecomposition of a symmetric matrix: A = V·diag(λ)·Vᵀ, eigenvalues ascending.</summary>
    public static (Tensor<T> Values, Tensor<T> Vectors) SymmetricEigen<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = ToMatrix(a, "SymmetricEigen");
        RequireSquare(a, "SymmetricEigen");
        var sym = (m + m.Transpose()) * 0.5;
        var evd = sym.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(c => c.Real).ToArray();
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var vecs = Matrix<double>.Build.Dense(m.RowCount, m.ColumnCount, (r, c) => evd.EigenVectors[r, order[c]]);
        return (FromVector<T>(Vector.Build.DenseOfEnumerable(order.Select(i => values[i]))), FromMatrix<T>(vecs));
    }

    /// <summary>Solves A·X = B for square, invertible A (B a vector or matrix).</summary>
    public static Tensor<T> Solve<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSquare(a, "Solve");
        var bm = b.Rank == 1 ? ToMatrix(b.Reshape(b.Dim(0), 1), "Solve") : ToMatrix(b, "Solve");
        if (bm.RowCount != a.Dim(0)) throw new ShapeMismatchException("Solve", "right-hand side rows must equal the matrix size", a.ShapeArray(), b.ShapeArray());
        var lu = ToMatrix(a, "Solve").LU();
        if (Math.Abs(lu.Determinant) < double.Epsilon) throw new InvalidOperationException($"Solve: matrix {Shapes.Format(a.Shape)} is singular");
        var x = FromMatrix<T>(lu.Solve(bm));
        return b.Rank == 1 ? x.Reshape(b.Dim(0)) : x;
    }

    /// <summary>Inverse of a square invertible matrix.</summary>
    public static Tensor<T> Inverse<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => Solve(a, Tensor<T>.Eye(RequireSquare(a, "Inverse")));

    /// <summary>Moore–Penrose pseudo-inverse, discarding singular values below rcond·σ_max.</summary>
    public static Tensor<T> PseudoInverse<T>(Tensor<T> a, double rcond = 1e-12) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = ToMatrix(a, "PseudoInverse");
        var svd = m.Svd(computeVectors: true);
        int k = Math.Min(m.RowCount, m.ColumnCount);
        double cutoff = rcond * (k > 0 ? svd.S[0] : 0);
        var sInv = Matrix<double>.Build.Dense(m.ColumnCount, m.RowCount);
        for (int i = 0; i < k; i++) if (svd.S[i] > cutoff) sInv[i, i] = 1 / svd.S[i];
        return FromMatrix<T>(svd.VT.Transpose() * sInv * svd.U.Transpose());
    }

    /// <summary>Thin QR: A = Q·R with Q having orthonormal columns and R upper triangular.</summary>
    public static (Tensor<T> Q, Tensor<T> R) Qr<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var qr = ToMatrix(a, "Qr").QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        return (FromMatrix<T>(qr.Q), FromMatrix<T>(qr.R));
    }

    /// <summary>Nuclear norm (sum of singular values).</summary>
    public static double NuclearNorm<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
        => ToMatrix(a, "NuclearNorm").Svd(computeVectors: false).S.Sum();

    /// <summary>Determinant of a square matrix.</summary>
    public static double Determinant<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireSquare(a, "Determinant");
        return ToMatrix(a, "Determinant").Determinant();
    }

    private static int RequireSquare<T>(Tensor<T> a, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank != 2 || a.Dim(0) != a.Dim(1)) throw new ShapeMismatchException(op, "needs a square matrix", a.ShapeArray());
        return a.Dim(0);
    }

    private static Matrix<double> ToMatrix<T>(Tensor<T> a, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank != 2) throw new ShapeMismatchException(op, "needs a matrix (rank 2)", a.ShapeArray());
        var data = a.ToArray();
        int rows = a.Dim(0), cols = a.Dim(1);
        foreach (var v in data) if (!T.IsFinite(v)) throw new ArgumentException($"{op}: matrix {Shapes.Format(a.Shape)} contains NaN or infinity");
        return Matrix<double>.Build.Dense(rows, cols, (r, c) => double.CreateTruncating(data[r * cols + c]));
    }

    private static Tensor<T> FromMatrix<T>(Matrix<double> m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = new Tensor<T>(m.RowCount, m.ColumnCount);
        var s = t.Span;
        for (int r = 0; r < m.RowCount; r++) for (int c = 0; c < m.ColumnCount; c++) s[r * m.ColumnCount + c] = T.CreateTruncating(m[r, c]);
        return t;
    }

    private static Tensor<T> FromVector<T>(Vector v) where T : unmanaged, IFloatingPointIeee754<T>
        => new(v.Select(T.CreateTruncating).ToArray(), v.Count);
}
