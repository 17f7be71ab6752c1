namespace Noether.Tensors.Kernels;

/// <summary>Special functions in double precision (MathNet.Numerics provides erf to ~1e-16).</summary>
public static class SpecialFunctions
{
    /// <summary>The error function.</summary>
    public static double Erf(double x) => MathNet.Numerics.SpecialFunctions.Erf(x);

    /// <summary>Standard normal density φ(x).</summary>
    public static double NormalPdf(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
}
