using MathNet.Numerics.LinearAlgebra;
using Noether.Graphs.Spectral;
using Noether.Tensors;

namespace Noether.Graphs.Tests;

/// <summary>Small graphs with known spectra, and the sign and basis changes the encodings must ignore.</summary>
internal static class GraphFixtures
{
    public static GraphSample FromEdges(int n, (int, int)[] edges, string name = "g", int features = 1, double target = 0) =>
        new(n, Enumerable.Range(0, n * features).Select(i => 1.0 + 0.1 * (i % 3)).ToArray(), features,
            edges.Select(e => e.Item1).ToArray(), edges.Select(e => e.Item2).ToArray(), targets: [target], name: name);

    public static GraphSample Cycle(int n) => FromEdges(n, Enumerable.Range(0, n).Select(i => (i, (i + 1) % n)).ToArray(), $"C{n}");

    public static GraphSample Path(int n) => FromEdges(n, Enumerable.Range(0, n - 1).Select(i => (i, i + 1)).ToArray(), $"P{n}");

    public static GraphSample Grid(int rows, int cols)
    {
        var edges = new List<(int, int)>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                if (c + 1 < cols) edges.Add((r * cols + c, r * cols + c + 1));
                if (r + 1 < rows) edges.Add((r * cols + c, (r + 1) * cols + c));
            }
        return FromEdges(rows * cols, [.. edges], $"grid{rows}x{cols}");
    }

    public static GraphSample Complete(int n)
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) edges.Add((i, j));
        return FromEdges(n, [.. edges], $"K{n}");
    }

    public static GraphSample Petersen()
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < 5; i++) { edges.Add((i, (i + 1) % 5)); edges.Add((i, i + 5)); edges.Add((5 + i, 5 + (i + 2) % 5)); }
        return FromEdges(10, [.. edges], "Petersen");
    }

    /// <summary>A cycle, a grid, the Petersen graph and a random graph: all but the last have repeated eigenvalues.</summary>
    public static List<GraphSample> Mixed()
    {
        var r = Data.CycleGraphs.Random(new Rng(5), 9, 12, "random");
        return [Cycle(8), Grid(3, 3), Petersen(), FromEdges(r.NodeCount, r.EdgeSource.Zip(r.EdgeTarget).ToArray(), "random")];
    }

    /// <summary>Every eigenvector multiplied by a random sign (at least one flipped).</summary>
    public static GraphSpectrum FlipSigns(GraphSpectrum s, Rng rng)
    {
        int n = s.Size;
        var v = (double[,])s.Vectors.Clone();
        for (int l = 0; l < n; l++)
            if (l == 0 || rng.NextDouble() < 0.5)
                for (int i = 0; i < n; i++) v[i, l] = -v[i, l];
        return s.WithVectors(v);
    }

    /// <summary>V_s ↦ V_s Q with a random orthogonal Q in every eigenspace of dimension ≥ 2.</summary>
    public static GraphSpectrum RotateBases(GraphSpectrum s, Rng rng)
    {
        int n = s.Size;
        var v = (double[,])s.Vectors.Clone();
        foreach (var space in s.Eigenspaces)
        {
            int d = space.Dimension;
            if (d < 2) continue;
            var q = RandomOrthogonal(d, rng);
            for (int i = 0; i < n; i++)
                for (int a = 0; a < d; a++)
                {
                    double sum = 0;
                    for (int b = 0; b < d; b++) sum += s.Vectors[i, space.Start + b] * q[b, a];
                    v[i, space.Start + a] = sum;
                }
        }
        return s.WithVectors(v);
    }

    public static double[,] RandomOrthogonal(int d, Rng rng)
    {
        var g = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextNormal());
        return g.QR().Q.ToArray();
    }

    public static double MaxAbsDifference(double[,] a, double[,] b)
    {
        double m = 0;
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m = Math.Max(m, Math.Abs(a[i, j] - b[i, j]));
        return m;
    }

    public static double MaxAbsDifference(Tensor<double> a, Tensor<double> b)
    {
        Assert.Equal(a.ShapeArray(), b.ShapeArray());
        var x = a.ToArray(); var y = b.ToArray();
        double m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i]));
        return m;
    }
}
