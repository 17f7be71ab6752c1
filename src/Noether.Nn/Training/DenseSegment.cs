namespace Noether.Nn.Training;

/// <summary>
/// The continuous extension of one Dormand–Prince step (Hairer's DOPRI5 <c>contd5</c>): with s = (t − Start)/Step,
/// y(t) ≈ r1 + s·(r2 + (1−s)·(r3 + s·(r4 + (1−s)·r5))).
/// </summary>
internal sealed record DenseSegment(double Start, double Step, double[] R1, double[] R2, double[] R3, double[] R4, double[] R5)
{
    public double[] Evaluate(double t)
    {
        double s = (t - Start) / Step, s1 = 1 - s;
        var y = new double[R1.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = R1[i] + s * (R2[i] + s1 * (R3[i] + s * (R4[i] + s1 * R5[i])));
        return y;
    }
}
