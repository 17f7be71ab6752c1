namespace Noether.Graphs.Spectral;

/// <summary>The symmetric normalised Laplacian L = I − D^(−1/2) A D^(−1/2).</summary>
public static class Laplacian
{
    /// <summary>
    /// L of an adjacency matrix (symmetric, non-negative weights). An isolated node (degree 0) keeps L_ii = 1 and no
    /// off-diagonal entries, as in PyG and networkx: it contributes eigenvalue 1 with an indicator eigenvector.
    /// Every connected component contributes one eigenvalue 0, so a disconnected graph has a repeated eigenvalue 0.
    /// </summary>
    public static double[,] Normalised(double[,] adjacency)
    {
        int n = adjacency.GetLength(0);
        if (adjacency.GetLength(1) != n) throw new ArgumentException($"Laplacian: adjacency must be square, got [{n}, {adjacency.GetLength(1)}]");
        var scale = new double[n];
        for (int i = 0; i < n; i++)
        {
            double d = 0;
            for (int j = 0; j < n; j++)
            {
                if (adjacency[i, j] != adjacency[j, i] || adjacency[i, j] < 0)
                    throw new ArgumentException($"Laplacian: adjacency must be symmetric and non-negative, entry ({i}, {j}) = {adjacency[i, j]}, ({j}, {i}) = {adjacency[j, i]}");
                d += adjacency[i, j];
            }
            scale[i] = d > 0 ? 1 / Math.Sqrt(d) : 0;
        }
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                l[i, j] = (i == j ? 1 : 0) - scale[i] * adjacency[i, j] * scale[j];
        return l;
    }
}
