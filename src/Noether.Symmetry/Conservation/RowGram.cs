using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Noether.Tensors;

namespace Noether.Symmetry.Conservation;

/// <summary>Gram matrices of the channel rows a <see cref="RowTerm"/> selects, read in place from a contiguous tensor.</summary>
internal static class RowGram
{
    /// <summary>diag[i] += c·‖row i‖².</summary>
    public static void AddDiagonal(Tensor<double> t, RowTerm term, double c, double[] diag)
    {
        var (outer, dim, inner) = Layout(t, term.Axis);
        int n = diag.Length, end = term.Offset + n * term.BlockSize;
        CheckFits(t, term, n, dim);
        var span = t.Span;
        for (int u = 0; u < outer; u++)
            for (int k = term.Offset; k < end; k++)
            {
                var row = span.Slice((u * dim + k) * inner, inner);
                diag[(k - term.Offset) / term.BlockSize] += c * TensorPrimitives.Dot(row, row);
            }
    }

    /// <summary>The n×n Gram matrix G[i, j] = ⟨row i, row j⟩ (row-major).</summary>
    public static double[] Full(Tensor<double> t, RowTerm term, int n)
    {
        var (outer, dim, inner) = Layout(t, term.Axis);
        CheckFits(t, term, n, dim);
        int b = term.BlockSize;
        var g = new double[n * n];
        var span = t.Span;
        for (int u = 0; u < outer; u++)
            for (int beta = 0; beta < b; beta++)
                for (int i = 0; i < n; i++)
                {
                    var ri = span.Slice((u * dim + term.Offset + i * b + beta) * inner, inner);
                    for (int j = i; j < n; j++)
                    {
                        var rj = span.Slice((u * dim + term.Offset + j * b + beta) * inner, inner);
                        double d = TensorPrimitives.Dot(ri, rj);
                        g[i * n + j] += d;
                        if (j != i) g[j * n + i] += d;
                    }
                }
        return g;
    }

    private static (int Outer, int Dim, int Inner) Layout(Tensor<double> t, int axis)
    {
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= t.Dim(a);
        for (int a = axis + 1; a < t.Rank; a++) inner *= t.Dim(a);
        return (outer, t.Dim(axis), inner);
    }

    private static void CheckFits(Tensor<double> t, RowTerm term, int n, int dim)
    {
        if (term.Axis >= t.Rank || term.Offset < 0 || term.Offset + n * term.BlockSize > dim)
            throw new ShapeMismatchException($"Conserved quantity on '{term.Parameter}'",
                $"{n} channels in blocks of {term.BlockSize} from {term.Offset} do not fit axis {term.Axis}", t.ShapeArray(), [n, term.BlockSize]);
    }
}
