using MathNet.Numerics.LinearAlgebra;

namespace Noether.Graphs.Spectral;

/// <summary>One eigenspace: eigenvectors Start .. Start + Dimension − 1 share the eigenvalue <see cref="Value"/>.</summary>
public readonly record struct Eigenspace(int Start, int Dimension, double Value);

/// <summary>
/// The full eigendecomposition L = V diag(λ) Vᵀ of a graph's normalised Laplacian, eigenvalues ascending, and its
/// eigenspaces: consecutive eigenvalues closer than <see cref="Tolerance"/> (default 10⁻⁶, absolute; the spectrum lies
/// in [0, 2]) form one eigenspace and are replaced by their mean, so functions of λ are exactly equal across it.
/// Columns of V are orthonormal; their signs and, within a repeated eigenspace, their basis are whatever the solver
/// returned — the ambiguity the invariant encodings remove.
/// </summary>
public sealed class GraphSpectrum
{
    /// <summary>The default multiplicity tolerance.</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>Wraps a given decomposition (values ascending, vectors as columns [n, n]) and groups eigenspaces.</summary>
    public GraphSpectrum(double[] values, double[,] vectors, double tolerance = DefaultTolerance)
    {
        int n = values.Length;
        if (vectors.GetLength(0) != n || vectors.GetLength(1) != n)
            throw new ArgumentException($"GraphSpectrum: {n} eigenvalues need vectors [{n}, {n}], got [{vectors.GetLength(0)}, {vectors.GetLength(1)}]");
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), $"GraphSpectrum: tolerance must be ≥ 0, got {tolerance}");
        for (int i = 1; i < n; i++)
            if (values[i] < values[i - 1]) throw new ArgumentException($"GraphSpectrum: eigenvalues must ascend, λ{i - 1} = {values[i - 1]} > λ{i} = {values[i]}");
        Tolerance = tolerance;
        Vectors = vectors;
        var spaces = new List<Eigenspace>();
        var snapped = new double[n];
        int start = 0;
        for (int i = 1; i <= n; i++)
        {
            if (i < n && values[i] - values[i - 1] <= tolerance) continue;
            double mean = 0;
            for (int j = start; j < i; j++) mean += values[j];
            mean /= i - start;
            for (int j = start; j < i; j++) snapped[j] = mean;
            spaces.Add(new Eigenspace(start, i - start, mean));
            start = i;
        }
        Values = snapped;
        Eigenspaces = spaces;
    }

    /// <summary>Decomposes the normalised Laplacian of <paramref name="graph"/> (MathNet's symmetric solver).</summary>
    public static GraphSpectrum Of(GraphSample graph, double tolerance = DefaultTolerance) => Of(Laplacian.Normalised(graph.Adjacency()), tolerance);

    /// <summary>Decomposes a symmetric matrix.</summary>
    public static GraphSpectrum Of(double[,] symmetric, double tolerance = DefaultTolerance)
    {
        int n = symmetric.GetLength(0);
        if (n == 0) return new GraphSpectrum([], new double[0, 0], tolerance);
        var evd = Matrix<double>.Build.DenseOfArray(symmetric).Evd(Symmetricity.Symmetric);
        var raw = evd.EigenValues.Select(c => c.Real).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => raw[i]).ToArray();
        var values = order.Select(i => raw[i]).ToArray();
        var vectors = new double[n, n];
        for (int c = 0; c < n; c++)
            for (int r = 0; r < n; r++) vectors[r, c] = evd.EigenVectors[r, order[c]];
        return new GraphSpectrum(values, vectors, tolerance);
    }

    /// <summary>Node count n.</summary>
    public int Size => Values.Length;

    /// <summary>Eigenvalues, ascending (each eigenspace's mean).</summary>
    public double[] Values { get; }

    /// <summary>Eigenvectors as columns [n, n].</summary>
    public double[,] Vectors { get; }

    /// <summary>The eigenspaces in ascending order.</summary>
    public IReadOnlyList<Eigenspace> Eigenspaces { get; }

    /// <summary>The multiplicity tolerance used.</summary>
    public double Tolerance { get; }

    /// <summary>
    /// How many leading eigenvectors are used when eigenspaces must stay whole (BasisNet, SPE): the first min(k, n),
    /// extended to the end of the eigenspace the last of them falls in. 0 for an empty graph.
    /// </summary>
    public int WholeSpaceCount(int k)
    {
        int kk = Math.Min(k, Size);
        if (kk == 0) return 0;
        foreach (var s in Eigenspaces) if (kk - 1 < s.Start + s.Dimension) return s.Start + s.Dimension;
        return Size;
    }

    /// <summary>A copy with the eigenvectors replaced (same eigenvalues and eigenspaces; for sign and basis changes).</summary>
    public GraphSpectrum WithVectors(double[,] vectors) => new(Values, vectors, Tolerance);
}
