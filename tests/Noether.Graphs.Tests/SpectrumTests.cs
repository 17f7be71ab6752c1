using Noether.Graphs.Spectral;

namespace Noether.Graphs.Tests;

public class SpectrumTests
{
    [Fact]
    public void CycleSpectrumIsOneMinusCosineWithPairedEigenspaces()
    {
        var s = GraphSpectrum.Of(GraphFixtures.Cycle(8));
        var expected = Enumerable.Range(0, 8).Select(j => 1 - Math.Cos(2 * Math.PI * j / 8)).OrderBy(x => x).ToArray();
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], s.Values[i], 1e-12);
        Assert.Equal([1, 2, 2, 2, 1], s.Eigenspaces.Select(e => e.Dimension).ToArray());
    }

    [Fact]
    public void DecompositionReconstructsTheLaplacianWithOrthonormalVectors()
    {
        foreach (var g in GraphFixtures.Mixed())
        {
            var l = Laplacian.Normalised(g.Adjacency());
            var s = GraphSpectrum.Of(g);
            int n = g.NodeCount;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double rebuilt = 0, gram = 0;
                    for (int k = 0; k < n; k++) { rebuilt += s.Vectors[i, k] * s.Values[k] * s.Vectors[j, k]; gram += s.Vectors[k, i] * s.Vectors[k, j]; }
                    Assert.True(Math.Abs(rebuilt - l[i, j]) < 1e-10, $"{g.Name}: (VΛVᵀ)[{i},{j}] = {rebuilt}, L = {l[i, j]}");
                    Assert.True(Math.Abs(gram - (i == j ? 1 : 0)) < 1e-10, $"{g.Name}: (VᵀV)[{i},{j}] = {gram}");
                }
        }
    }

    [Fact]
    public void GridAndPetersenHaveRepeatedEigenvalues()
    {
        Assert.Contains(GraphSpectrum.Of(GraphFixtures.Grid(3, 3)).Eigenspaces, e => e.Dimension >= 2);
        // Petersen: normalised Laplacian eigenvalues 0, 2/3 (×5), 5/3 (×4).
        var p = GraphSpectrum.Of(GraphFixtures.Petersen());
        Assert.Equal([1, 5, 4], p.Eigenspaces.Select(e => e.Dimension).ToArray());
        Assert.Equal(2.0 / 3, p.Eigenspaces[1].Value, 1e-12);
    }

    [Fact]
    public void ToleranceDecidesMultiplicity()
    {
        var v = new double[3, 3] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        Assert.Equal(3, new GraphSpectrum([0.5, 0.5 + 5e-7, 0.5 + 9e-7], v).Eigenspaces[0].Dimension);
        Assert.Equal(2, new GraphSpectrum([0.5, 0.5 + 5e-7, 0.5 + 2e-6], v).Eigenspaces.Count);
        Assert.Equal(3, new GraphSpectrum([0.5, 0.5 + 5e-7, 0.5 + 2e-6], v, tolerance: 1e-12).Eigenspaces.Count);
    }

    [Fact]
    public void WholeSpaceCountExtendsToTheEndOfTheSplitEigenspace()
    {
        var s = GraphSpectrum.Of(GraphFixtures.Cycle(8)); // spaces 1,2,2,2,1
        Assert.Equal(1, s.WholeSpaceCount(1));
        Assert.Equal(3, s.WholeSpaceCount(2));
        Assert.Equal(3, s.WholeSpaceCount(3));
        Assert.Equal(8, s.WholeSpaceCount(20));
    }
}
