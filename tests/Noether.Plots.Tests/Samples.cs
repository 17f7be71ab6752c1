namespace Noether.Plots.Tests;

internal static class Samples
{
    public static LinePlot Loss(bool logY = false)
    {
        double[] t = Enumerable.Range(0, 200).Select(i => i * 0.05).ToArray();
        return new LinePlot("Training loss", "time t", "loss L(θ)",
        [
            new Series("gradient flow", t, t.Select(x => Math.Exp(-x)).ToArray()),
            new Series("GD η=0.1", t, t.Select(x => Math.Exp(-1.1 * x) + 1e-4).ToArray()),
        ]) { LogY = logY };
    }
}
