using Noether.Graphs.Encodings;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;

namespace Noether.Graphs.Tests;

/// <summary>
/// Must-show 2: perturbing the Laplacian of C8 (eigenvalues in pairs) by ε·E splits its repeated eigenvalues; the
/// eigenvectors the solver returns jump by O(1) however small ε is, while the SPE encoding moves by O(ε).
/// </summary>
public class StabilityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static double[,] Perturbed(double[,] l, double epsilon, Rng rng)
    {
        int n = l.GetLength(0);
        var e = new double[n, n]; double norm = 0;
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) { e[i, j] = e[j, i] = rng.NextNormal(); norm += (i == j ? 1 : 2) * e[i, j] * e[i, j]; }
        var r = (double[,])l.Clone();
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i, j] += epsilon * e[i, j] / Math.Sqrt(norm);
        return r;
    }

    /// <summary>max over eigenvectors l of min over sign of max_i |v_il − s·v'_il|: raw eigenvector movement, signs forgiven.</summary>
    private static double RawMovement(GraphSpectrum a, GraphSpectrum b, int k)
    {
        double worst = 0;
        for (int l = 0; l < k; l++)
        {
            double plus = 0, minus = 0;
            for (int i = 0; i < a.Size; i++)
            {
                plus = Math.Max(plus, Math.Abs(a.Vectors[i, l] - b.Vectors[i, l]));
                minus = Math.Max(minus, Math.Abs(a.Vectors[i, l] + b.Vectors[i, l]));
            }
            worst = Math.Max(worst, Math.Min(plus, minus));
        }
        return worst;
    }

    [Theory]
    [InlineData(8)]   // the whole spectrum
    [InlineData(3)]   // λ0 and one repeated pair, cut at a spectral gap
    public void SpeMovesLinearlyInEpsilonWhileRawEigenvectorsJump(int k)
    {
        var graph = GraphFixtures.Cycle(8);
        var batch = GraphBatch.Create([graph]);
        var l = Laplacian.Normalised(graph.Adjacency());
        var spe = new Spe(new ParameterStore(new Rng(21)), 8, 6);
        var baseSpectrum = GraphSpectrum.Of(l);
        var basePe = spe.Encode(batch, new SpectralBatch(batch, [baseSpectrum], k)).Value;
        foreach (double epsilon in new[] { 1e-2, 1e-4 })
        {
            var moved = GraphSpectrum.Of(Perturbed(l, epsilon, new Rng(5)));
            Assert.True(moved.Eigenspaces.All(s => s.Dimension == 1), "the perturbation must split the repeated eigenvalues");
            double raw = RawMovement(baseSpectrum, moved, k);
            double pe = GraphFixtures.MaxAbsDifference(basePe, spe.Encode(batch, new SpectralBatch(batch, [moved], k)).Value);
            output.WriteLine($"k = {k}, ε = {epsilon:E0}: raw eigenvectors moved {raw:E2}, SPE moved {pe:E2}");
            Assert.True(raw > 0.1, $"ε = {epsilon}: raw eigenvectors moved only {raw:E2}");
            Assert.True(pe <= 50 * epsilon, $"ε = {epsilon}, k = {k}: SPE moved {pe:E2} > 50ε");
        }
    }
}
