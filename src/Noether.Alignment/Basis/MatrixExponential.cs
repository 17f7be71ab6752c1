using Noether.Tensors;

namespace Noether.Alignment.Basis;

/// <summary>exp(A) of a square matrix by scaling and squaring with a Taylor series (float64).</summary>
internal static class MatrixExponential
{
    /// <summary>exp(A): A/2^s has norm ≤ 1/2, a Taylor polynomial to 20 terms (error below 1e-20), then s squarings.</summary>
    public static Tensor<double> Of(Tensor<double> a)
    {
        int n = a.Dim(0);
        double norm = a.ToArray().Select(Math.Abs).DefaultIfEmpty(0).Max() * n; // ≥ the 1-norm
        int s = norm <= 0.5 ? 0 : (int)Math.Ceiling(Math.Log2(norm / 0.5));
        var x = a * Math.Pow(2, -s);
        var result = Tensor<double>.Eye(n);
        var term = Tensor<double>.Eye(n);
        for (int k = 1; k <= 20; k++)
        {
            term = term.MatMul(x) * (1.0 / k);
            result += term;
        }
        for (int i = 0; i < s; i++) result = result.MatMul(result);
        return result;
    }
}
